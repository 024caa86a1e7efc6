// One hop out of a set of products along the learnable relation types (halo expansion).
// :params {"skus": ["A"], "types": ["CO_PURCHASED"]}
UNWIND $skus AS s
MATCH (:Product {sku: s})-[r]-(n:Product)
WHERE type(r) IN $types
RETURN DISTINCT n.sku AS sku
