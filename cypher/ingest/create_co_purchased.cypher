// Create co-purchase pairs (lower sku -> higher sku) of a source whose first batch found no CO_PURCHASED at all.
// :params {"rows": [["22423", "85123A", 3, 0.75]]}
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
MATCH (b:Product {sku: row[1]})
CREATE (a)-[r:CO_PURCHASED {count: row[2], weight: row[3]}]->(b)
RETURN count(r) AS pairs
