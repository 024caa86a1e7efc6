// Whether a product exists and has an embedding.
// :params {"sku": "A"}
MATCH (p:Product {sku: $sku})
RETURN p.embedding IS NOT NULL AS has_embedding
