// Nearest products to one product by the current training run's embeddings (vector index; its score is (1 + cosine) / 2), with that run. The run's vectors are p[cur.embedding_property], searched through the index 'product_' + that property; p and every neighbour are taken only with a vector of that run.
// :params {"sku": "A", "k": 10}
MATCH (cur:Run {kind: 'train', current: true})
WITH cur, coalesce(cur.embedding_property, 'embedding') AS key
MATCH (p:Product {sku: $sku})
WHERE p[key + '_run'] = cur.id
CALL db.index.vector.queryNodes('product_' + key, $k + 1, p[key]) YIELD node, score
WHERE node <> p AND node[key + '_run'] = cur.id
RETURN node.sku AS sku, node.title AS title, 2 * score - 1 AS cosine, score, cur.id AS run
ORDER BY score DESC
LIMIT $k
