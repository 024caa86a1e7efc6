// Titles of the given products (for naming rule items); skus that are no product are left out.
// :params {"skus": ["21231", "21232"]}
UNWIND $skus AS sku
MATCH (p:Product {sku: sku})
RETURN p.sku AS sku, p.title AS title
