// Create products with a category property only (no Category nodes).
// :params {"rows": [{"sku": "p-000001", "c": "Lenses"}]}
UNWIND $rows AS r
CREATE (:Product {sku: r.sku, category: r.c})
