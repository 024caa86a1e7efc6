// Add co-purchase counts (once per unordered pair, lower sku -> higher sku) and weights Σ 1/(basket size - 1).
// :params {"rows": [["22423", "85123A", 3, 0.75]]}
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
MATCH (b:Product {sku: row[1]})
MERGE (a)-[r:CO_PURCHASED]->(b)
  ON CREATE SET r.count = row[2], r.weight = row[3]
  ON MATCH SET r.count = r.count + row[2], r.weight = r.weight + row[3]
RETURN count(r) AS pairs
