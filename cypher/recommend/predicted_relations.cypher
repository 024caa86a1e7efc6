// Relations a training run predicted for this product ([:PREDICTED {type, score, run}]), best score per product and type: of run $run_id, or of the current training run when $run_id is null.
// :params {"sku": "whole milk", "run_id": null, "limit": 50}
OPTIONAL MATCH (cur:Run {kind: 'train', current: true})
WITH coalesce($run_id, cur.id) AS run
MATCH (p:Product {sku: $sku})-[r:PREDICTED {run: run}]-(q:Product)
WHERE q <> p
WITH q, r.type AS type, max(r.score) AS score, collect(DISTINCT r.run) AS runs
RETURN q.sku AS sku, q.title AS title, type, score, runs
ORDER BY score DESC, sku
LIMIT $limit
