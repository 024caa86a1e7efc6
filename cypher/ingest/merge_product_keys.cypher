// Make sure products exist, by sku only (relation endpoints).
// :params {"skus": ["B001", "B002"]}
UNWIND $skus AS sku
MERGE (p:Product {sku: sku})
RETURN count(p) AS products
