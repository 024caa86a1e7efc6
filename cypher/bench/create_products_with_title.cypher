// Create products with a title.
// :params {"rows": [{"sku": "photo-00000", "title": "product 0"}]}
UNWIND $rows AS r
CREATE (:Product {sku: r.sku, title: r.title})
