// Add to each product's number of (sale) orders, the support counts of rules; refresh its return rate.
// :params {"rows": [["85123A", 12]]}
UNWIND $rows AS row
MATCH (p:Product {sku: row[0]})
SET p.order_count = coalesce(p.order_count, 0) + row[1]
SET p.return_rate = CASE WHEN p.return_count IS NULL THEN null
                         ELSE toFloat(p.return_count) / p.order_count END
RETURN count(p) AS products
