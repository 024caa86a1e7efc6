// Create one CO_PURCHASED {count: 1, weight: 1.0} per row between existing products (no MERGE: the rows are distinct pairs).
// :params {"rows": [{"a": "photo-00000", "b": "photo-00001"}]}
UNWIND $rows AS row
MATCH (a:Product {sku: row.a}), (b:Product {sku: row.b})
CREATE (a)-[:CO_PURCHASED {count: 1, weight: 1.0}]->(b)
