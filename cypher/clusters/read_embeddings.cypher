// Products that carry an embedding (written by the GNN), for k-means.
// :params {}
MATCH (p:Product)
WHERE p.embedding IS NOT NULL
RETURN p.sku AS sku, p.embedding AS embedding
