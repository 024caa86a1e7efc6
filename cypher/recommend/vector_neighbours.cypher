// Nearest products by embedding through the vector index (score in [0, 1]: (1 + cosine) / 2).
// :params {"sku": "whole milk", "index": "product_embedding", "k": 10}
MATCH (p:Product {sku: $sku})
WHERE p.embedding IS NOT NULL
CALL db.index.vector.queryNodes($index, $k + 1, p.embedding) YIELD node, score
WITH p, node AS q, score
WHERE q <> p
RETURN q.sku AS sku, q.title AS title, score
ORDER BY score DESC, sku
LIMIT $k
