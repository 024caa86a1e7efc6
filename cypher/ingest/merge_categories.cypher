// Merge categories (parents first) and their SUBCATEGORY_OF links.
// :params {"rows": [{"path": "Gift Cards > Holiday", "name": "Holiday", "depth": 2, "parent": "Gift Cards"}]}
UNWIND $rows AS row
MERGE (c:Category {path: row.path})
SET c.name = row.name, c.depth = row.depth
WITH c, row
CALL (c, row) {
  WITH c, row WHERE row.parent IS NOT NULL
  MATCH (parent:Category {path: row.parent})
  MERGE (c)-[:SUBCATEGORY_OF]->(parent)
}
RETURN count(c) AS categories
