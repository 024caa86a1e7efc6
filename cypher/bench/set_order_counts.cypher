// LOAD CSV baseline: each product's order_count, the number of orders that contain it.
// :params {}
MATCH (p:Product)
CALL (p) { SET p.order_count = COUNT { (p)<-[:CONTAINS]-(:Order) } } IN TRANSACTIONS OF 10000 ROWS
