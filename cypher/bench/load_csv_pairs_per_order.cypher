// LOAD CSV baseline, the earlier per-order form: each order's pairs merged as CO_PURCHASED, count + 1 per order.
// :params {"pairs": 1000}
MATCH (o:Order)
CALL (o) {
  MATCH (o)-[:CONTAINS]->(a:Product), (o)-[:CONTAINS]->(b:Product)
  WHERE a.sku < b.sku
  MERGE (a)-[r:CO_PURCHASED]->(b)
    ON CREATE SET r.count = 1
    ON MATCH SET r.count = r.count + 1
} IN TRANSACTIONS OF $pairs ROWS
