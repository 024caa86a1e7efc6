// Whether a product exists and has a vector of the current training run (p[cur.embedding_property], of that run).
// :params {"sku": "A"}
MATCH (p:Product {sku: $sku})
OPTIONAL MATCH (cur:Run {kind: 'train', current: true})
RETURN coalesce(p[coalesce(cur.embedding_property, 'embedding') + '_run'] = cur.id, false) AS has_embedding
