// Merge typed relations between existing products, one row per source product with its targets and weights. __TYPE__ is a validated name.
// :params {"rows": [["B001", ["B002", "B003"], [1.0, 0.5]]]}
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
UNWIND range(0, size(row[1]) - 1) AS i
MATCH (b:Product {sku: row[1][i]})
MERGE (a)-[r:__TYPE__]->(b)
SET r.weight = row[2][i]
RETURN count(r) AS relationships
