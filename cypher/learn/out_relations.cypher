// Observed relations leaving a set of products (typed, weighted); the caller keeps those inside the subgraph.
// :params {"skus": ["A"], "types": ["CO_PURCHASED"]}
UNWIND $skus AS s
MATCH (a:Product {sku: s})-[r]->(b:Product)
WHERE type(r) IN $types
RETURN a.sku AS src, b.sku AS dst, type(r) AS type, coalesce(r.weight, r.count, 1.0) AS weight
