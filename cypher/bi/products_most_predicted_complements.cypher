// Products with the most predicted relations of a kind (default 'complement'; 'substitute'; null for any), of one run (default: the current training run), with their best-scored partners.
// :params {"type": "complement", "run_id": null, "minScore": 0.0, "limit": 25}
OPTIONAL MATCH (cur:Run {kind: 'train', current: true})
WITH coalesce($run_id, cur.id) AS run
MATCH (p:Product)-[r:PREDICTED {run: run}]-(q:Product)
WHERE ($type IS NULL OR r.kind = $type) AND r.score >= $minScore
WITH p, q, max(r.score) AS score
ORDER BY score DESC, q.sku
WITH p, count(q) AS predicted, avg(score) AS mean_score, collect(q.sku)[..5] AS best
RETURN p.sku AS sku, p.title AS title, predicted, mean_score, best
ORDER BY predicted DESC, mean_score DESC, sku
LIMIT $limit
