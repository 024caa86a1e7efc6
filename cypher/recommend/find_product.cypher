// One product by sku, with whether it carries an embedding.
// :params {"sku": "whole milk"}
MATCH (p:Product {sku: $sku})
RETURN p.sku AS sku, p.title AS title, p.embedding IS NOT NULL AS has_embedding
