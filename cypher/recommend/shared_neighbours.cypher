// Products that share co-purchase neighbours with this one (through its strongest `fanout` neighbours), with the connecting products and the attention-weighted path score (attention as written by the GNN, 1.0 where absent).
// :params {"sku": "whole milk", "fanout": 50, "limit": 50}
MATCH (p:Product {sku: $sku})-[r1:CO_PURCHASED]-(m:Product)
WITH p, m, r1 ORDER BY coalesce(r1.weight, toFloat(r1.count), 1.0) DESC LIMIT $fanout
MATCH (m)-[r2:CO_PURCHASED]-(q:Product)
WHERE q <> p
WITH p, q, m, coalesce(r1.attention, 1.0) * coalesce(r2.attention, 1.0) AS path,
     r1.attention IS NOT NULL OR r2.attention IS NOT NULL AS attended
ORDER BY path DESC
WITH p, q, count(DISTINCT m) AS shared, sum(path) AS path_score, max(attended) AS attention,
     collect({sku: m.sku, title: m.title, path: path})[..3] AS via
RETURN q.sku AS sku, q.title AS title, shared, path_score, attention, via,
       EXISTS { (p)-[:CO_PURCHASED]-(q) } AS direct,
       COUNT { (p)-[:CO_PURCHASED]-(:Product) } AS p_degree,
       COUNT { (q)-[:CO_PURCHASED]-(:Product) } AS q_degree
ORDER BY shared DESC, path_score DESC, sku
LIMIT $limit
