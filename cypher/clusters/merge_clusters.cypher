// Write clusters: (:Cluster {id, label, terms, size, run, method})<-[:IN_CLUSTER {run}]-(:Product).
// :params {"run_id": "clusters-demo", "method": "louvain", "rows": [{"id": "clusters-demo:7", "community": 7, "label": "lens / camera", "terms": ["lens", "camera"], "size": 2, "top_category": "Lenses", "purity": 1.0, "members": ["a", "b"]}]}
UNWIND $rows AS row
MERGE (c:Cluster {id: row.id})
SET c.run = $run_id, c.method = $method, c.community = row.community, c.label = row.label,
    c.terms = row.terms, c.size = row.size, c.top_category = row.top_category, c.purity = row.purity
WITH c, row
CALL (c, row) {
  UNWIND row.members AS sku
  MATCH (p:Product {sku: sku})
  MERGE (p)-[m:IN_CLUSTER]->(c)
  SET m.run = $run_id
  RETURN count(m) AS members
}
RETURN count(c) AS clusters, sum(members) AS members
