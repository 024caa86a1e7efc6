// Nearest products by embedding without a vector index: an exact scan (score (1 + cosine) / 2, as the index gives).
// :params {"sku": "whole milk", "k": 10}
MATCH (p:Product {sku: $sku})
WHERE p.embedding IS NOT NULL
MATCH (q:Product)
WHERE q <> p AND q.embedding IS NOT NULL AND size(q.embedding) = size(p.embedding)
WITH q, vector.similarity.cosine(p.embedding, q.embedding) AS score
RETURN q.sku AS sku, q.title AS title, score
ORDER BY score DESC, sku
LIMIT $k
