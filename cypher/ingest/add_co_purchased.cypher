// Add co-purchase counts (once per unordered pair, lower sku -> higher sku) and weights Σ 1/(basket size - 1); one row per lower sku with its partners.
// :params {"rows": [["22423", ["85123A", "85099B"], [3, 1], [0.75, 0.5]]]}
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
UNWIND range(0, size(row[1]) - 1) AS i
MATCH (b:Product {sku: row[1][i]})
MERGE (a)-[r:CO_PURCHASED]->(b)
  ON CREATE SET r.count = row[2][i], r.weight = row[3][i]
  ON MATCH SET r.count = r.count + row[2][i], r.weight = r.weight + row[3][i]
RETURN count(r) AS pairs
