// What node features are built from (title, category, price, degree) for a batch of products, as columns
// (nulls coalesced: collect() would drop them and misalign the columns; a price of -1 means none).
// :params {"skus": ["A"], "types": ["CO_PURCHASED"]}
UNWIND $skus AS s
MATCH (p:Product {sku: s})
WITH p, COUNT { (p)-[r]-(:Product) WHERE type(r) IN $types } AS degree
RETURN collect(p.sku) AS sku, collect(coalesce(p.title, '')) AS title,
       collect(coalesce(p.category, '')) AS category, collect(coalesce(p.price, -1.0)) AS price,
       collect(degree) AS degree
