// Nearest products to one product by embedding (vector index; its score is (1 + cosine) / 2), with the run that wrote them.
// :params {"sku": "A", "k": 10}
MATCH (p:Product {sku: $sku})
WHERE p.embedding IS NOT NULL
CALL db.index.vector.queryNodes('product_embedding', $k + 1, p.embedding) YIELD node, score
WHERE node <> p
RETURN node.sku AS sku, node.title AS title, 2 * score - 1 AS cosine, score, node.embedding_run AS run
ORDER BY score DESC
LIMIT $k
