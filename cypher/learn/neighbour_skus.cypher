// One hop out of a set of products along the learnable relation types (halo expansion), as one list.
// :params {"skus": ["A"], "types": ["CO_PURCHASED"]}
UNWIND $skus AS s
MATCH (:Product {sku: s})-[r]-(n:Product)
WHERE type(r) IN $types
RETURN collect(DISTINCT n.sku) AS skus
