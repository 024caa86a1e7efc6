// Nearest products by one training run's vectors (p[$property], of run $run_id) through the vector index over them (score in [0, 1]: (1 + cosine) / 2); neighbours with a vector of another run are left out.
// :params {"sku": "whole milk", "index": "product_embedding", "property": "embedding", "run_id": "train-demo", "k": 10}
MATCH (p:Product {sku: $sku})
WHERE p[$property + '_run'] = $run_id
CALL db.index.vector.queryNodes($index, $k + 1, p[$property]) YIELD node, score
WITH p, node AS q, score
WHERE q <> p AND q[$property + '_run'] = $run_id
RETURN q.sku AS sku, q.title AS title, score
ORDER BY score DESC, sku
LIMIT $k
