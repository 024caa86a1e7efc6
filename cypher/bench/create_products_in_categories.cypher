// Create products with a feature vector, each IN_CATEGORY of its (merged) category.
// :params {"rows": [{"sku": "photo-00000", "category": "Cameras", "features": [0.6, 0.8]}]}
UNWIND $rows AS row
MERGE (c:Category {path: row.category})
CREATE (p:Product {sku: row.sku, category: row.category, features: row.features})
CREATE (p)-[:IN_CATEGORY]->(c)
