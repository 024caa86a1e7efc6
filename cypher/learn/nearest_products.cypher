// Nearest products to one product by embedding (vector index), with the run that wrote them.
// :params {"sku": "A", "k": 10}
MATCH (p:Product {sku: $sku})
WHERE p.embedding IS NOT NULL
CALL db.index.vector.queryNodes('product_embedding', $k + 1, p.embedding) YIELD node, score
WHERE node <> p
RETURN node.sku AS sku, node.title AS title, score, node.embedding_run AS run
ORDER BY score DESC
LIMIT $k
