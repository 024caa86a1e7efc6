// What the relation-times migration will read: orders with a time (sales and returns) and all products.
// :params {}
CALL () { MATCH (o:Order) WHERE o.time IS NOT NULL RETURN count(o) AS orders }
CALL () { MATCH (p:Product) RETURN collect(p.sku) AS skus }
RETURN orders, skus
