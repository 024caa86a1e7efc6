// Make sure products exist (relation endpoints, order lines); fill title/price only where missing.
// :params {"rows": [{"sku": "85123A", "title": "WHITE HANGING HEART T-LIGHT HOLDER", "price": 2.55}]}
UNWIND $rows AS row
MERGE (p:Product {sku: row.sku})
SET p.title = coalesce(p.title, row.title), p.price = coalesce(p.price, row.price)
RETURN count(p) AS products
