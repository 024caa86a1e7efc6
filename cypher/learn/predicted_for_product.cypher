// Predicted relations of a product (latest run first), with the observed relations it already has for contrast.
// :params {"sku": "A", "k": 10}
MATCH (p:Product {sku: $sku})-[r:PREDICTED]->(q:Product)
RETURN q.sku AS sku, q.title AS title, r.type AS type, r.score AS score, r.rank AS rank, r.run AS run
ORDER BY r.run DESC, r.score DESC
LIMIT $k
