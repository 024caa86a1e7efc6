// Nearest products by one training run's vectors (p[$property], of run $run_id) without a vector index: an exact scan (score (1 + cosine) / 2, as the index gives).
// :params {"sku": "whole milk", "property": "embedding", "run_id": "train-demo", "k": 10}
MATCH (p:Product {sku: $sku})
WHERE p[$property + '_run'] = $run_id
MATCH (q:Product)
WHERE q <> p AND q[$property + '_run'] = $run_id AND size(q[$property]) = size(p[$property])
WITH q, vector.similarity.cosine(p[$property], q[$property]) AS score
RETURN q.sku AS sku, q.title AS title, score
ORDER BY score DESC, sku
LIMIT $k
