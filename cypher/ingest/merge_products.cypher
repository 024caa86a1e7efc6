// Merge catalogue products: properties overwrite, the leaf category link replaces an older one.
// :params {"rows": [{"sku": "B001", "props": {"title": "Gift card", "price": 25.0}, "category": "Gift Cards"}]}
UNWIND $rows AS row
MERGE (p:Product {sku: row.sku})
SET p += row.props, p.category = coalesce(row.category, p.category)
WITH p, row
CALL (p, row) {
  WITH p, row WHERE row.category IS NOT NULL
  OPTIONAL MATCH (p)-[old:IN_CATEGORY]->(c0:Category) WHERE c0.path <> row.category
  DELETE old
  WITH DISTINCT p, row
  MATCH (c:Category {path: row.category})
  MERGE (p)-[:IN_CATEGORY]->(c)
}
RETURN count(p) AS products
