// Predicted relations of a product, of the current training run only (the last one switched in).
// :params {"sku": "A", "k": 10}
MATCH (cur:Run {kind: 'train', current: true})
MATCH (p:Product {sku: $sku})-[r:PREDICTED {run: cur.id}]->(q:Product)
RETURN q.sku AS sku, q.title AS title, r.type AS type, r.score AS score, r.rank AS rank, r.run AS run
ORDER BY r.run DESC, r.score DESC
LIMIT $k
