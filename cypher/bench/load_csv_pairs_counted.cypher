// LOAD CSV baseline, pairs counted first: one CO_PURCHASED {count} per unordered pair (lower sku -> higher), set to its number of orders.
// :params {"pairs": 20000}
MATCH (o:Order)-[:CONTAINS]->(a:Product), (o)-[:CONTAINS]->(b:Product)
WHERE a.sku < b.sku
WITH a.sku AS x, b.sku AS y, count(o) AS n
CALL (x, y, n) {
  MATCH (a:Product {sku: x}), (b:Product {sku: y})
  MERGE (a)-[r:CO_PURCHASED]->(b)
    ON CREATE SET r.count = n
    ON MATCH SET r.count = n
} IN TRANSACTIONS OF $pairs ROWS
