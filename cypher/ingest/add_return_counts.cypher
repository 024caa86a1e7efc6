// Add to each product's number of return orders, then its return rate (returns per sale order).
// :params {"rows": [["85123A", 2]]}
UNWIND $rows AS row
MATCH (p:Product {sku: row[0]})
SET p.return_count = coalesce(p.return_count, 0) + row[1]
SET p.return_rate = CASE WHEN coalesce(p.order_count, 0) > 0
                         THEN toFloat(p.return_count) / p.order_count ELSE null END
RETURN count(p) AS products
