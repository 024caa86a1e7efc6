// Add to each product's number of orders (the support counts of rules).
// :params {"rows": [["85123A", 12]]}
UNWIND $rows AS row
MATCH (p:Product {sku: row[0]})
SET p.order_count = coalesce(p.order_count, 0) + row[1]
RETURN count(p) AS products
