// Add the number of return orders in which both products came back (lower sku -> higher sku).
// :params {"rows": [["22423", "85123A", 1, 1.0]]}
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
MATCH (b:Product {sku: row[1]})
MERGE (a)-[r:RETURNED_TOGETHER]->(b)
  ON CREATE SET r.count = row[2]
  ON MATCH SET r.count = r.count + row[2]
RETURN count(r) AS pairs
