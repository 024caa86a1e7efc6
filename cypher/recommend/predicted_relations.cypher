// Relations the current training run predicted for this product ([:PREDICTED {type, score, run}]), best score per product and type.
// :params {"sku": "whole milk", "limit": 50}
MATCH (cur:Run {kind: 'train', current: true})
MATCH (p:Product {sku: $sku})-[r:PREDICTED {run: cur.id}]-(q:Product)
WHERE q <> p
WITH q, r.type AS type, max(r.score) AS score, collect(DISTINCT r.run) AS runs
RETURN q.sku AS sku, q.title AS title, type, score, runs
ORDER BY score DESC, sku
LIMIT $limit
