// Products that share co-purchase neighbours with this one (through its strongest `fanout` neighbours): weighted overlap of the two neighbourhoods, the connecting products, and the attention-weighted path score (the attention training run $run_id wrote, staged or moved; 1.0 where it wrote none).
// :params {"sku": "whole milk", "run_id": "train-demo", "fanout": 50, "limit": 50}
MATCH (p:Product {sku: $sku})-[r1:CO_PURCHASED]-(m:Product)
WITH p, m, coalesce(r1.weight, toFloat(r1.count), 1.0) AS w1,
     CASE WHEN r1.attention_next_run = $run_id THEN r1.attention_next WHEN r1.attention_run = $run_id THEN r1.attention END AS a1
ORDER BY w1 DESC LIMIT $fanout
MATCH (m)-[r2:CO_PURCHASED]-(q:Product)
WHERE q <> p
WITH p, q, m, w1, a1, coalesce(r2.weight, toFloat(r2.count), 1.0) AS w2,
     CASE WHEN r2.attention_next_run = $run_id THEN r2.attention_next WHEN r2.attention_run = $run_id THEN r2.attention END AS a2
WITH p, q, m, w1, w2, coalesce(a1, 1.0) * coalesce(a2, 1.0) AS path, a1 IS NOT NULL OR a2 IS NOT NULL AS attended
WITH p, q, m, path, attended, CASE WHEN w1 < w2 THEN w1 ELSE w2 END AS common
ORDER BY common * path DESC
WITH p, q, count(DISTINCT m) AS shared, sum(common) AS overlap, sum(path) AS path_score,
     max(attended) AS attention, collect({sku: m.sku, title: m.title, common: common, path: path})[..3] AS via
CALL (p) {
  MATCH (p)-[r:CO_PURCHASED]-(:Product)
  RETURN sum(coalesce(r.weight, toFloat(r.count), 1.0)) AS p_strength
}
CALL (q) {
  MATCH (q)-[r:CO_PURCHASED]-(:Product)
  RETURN sum(coalesce(r.weight, toFloat(r.count), 1.0)) AS q_strength
}
RETURN q.sku AS sku, q.title AS title, shared, overlap, path_score, attention, via,
       EXISTS { (p)-[:CO_PURCHASED]-(q) } AS direct,
       overlap / (p_strength + q_strength - overlap) AS weighted_jaccard
ORDER BY weighted_jaccard DESC, sku
LIMIT $limit
