// Products with an embedding (at most `limit`, by sku), with their category and their cluster in the latest clusters run, for the report's 2D map.
// :params {"limit": 3000}
OPTIONAL MATCH (latest:Run {kind: 'clusters', status: 'done'})
WITH latest ORDER BY latest.finished_at DESC, latest.id DESC LIMIT 1
MATCH (p:Product) WHERE p.embedding IS NOT NULL
WITH latest, p ORDER BY p.sku LIMIT $limit
OPTIONAL MATCH (p)-[:IN_CLUSTER]->(c:Cluster)
WHERE c.run = latest.id
RETURN p.sku AS sku, p.embedding AS embedding,
       coalesce(p.category, head([(p)-[:IN_CATEGORY]->(k:Category) | k.path])) AS category,
       c.label AS cluster
