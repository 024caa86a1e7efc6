// Create co-purchase pairs (lower sku -> higher sku) of a source whose first batch found no CO_PURCHASED at all; one row per lower sku with its partners, counts and weights.
// :params {"rows": [["22423", ["85123A", "85099B"], [3, 1], [0.75, 0.5]]]}
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
UNWIND range(0, size(row[1]) - 1) AS i
MATCH (b:Product {sku: row[1][i]})
CREATE (a)-[r:CO_PURCHASED {count: row[2][i], weight: row[3][i]}]->(b)
RETURN count(r) AS pairs
