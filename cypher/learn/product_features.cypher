// What node features are built from: title, category, price, degree (batched by sku).
// :params {"skus": ["A"], "types": ["CO_PURCHASED"]}
UNWIND $skus AS s
MATCH (p:Product {sku: s})
RETURN p.sku AS sku, p.title AS title, p.category AS category, p.price AS price,
       COUNT { (p)-[r]-(:Product) WHERE type(r) IN $types } AS degree
