// Cluster summaries of a clusters run (the latest unless `run_id` is given): label, TF-IDF terms, size, dominant category and its share, sample members.
// :params {"run_id": null, "minSize": 2, "limit": 50}
OPTIONAL MATCH (latest:Run {kind: 'clusters', status: 'done'})
WITH latest ORDER BY latest.finished_at DESC, latest.id DESC LIMIT 1
WITH coalesce($run_id, latest.id) AS run
MATCH (c:Cluster {run: run})
WHERE c.size >= $minSize
CALL (c) {
  MATCH (p:Product)-[:IN_CLUSTER]->(c)
  WITH p ORDER BY p.sku LIMIT 5
  RETURN collect(CASE WHEN p.title IS NULL OR trim(p.title) = '' OR p.title = p.sku THEN p.sku
                       ELSE p.title + ' (' + p.sku + ')' END) AS sample
}
RETURN c.run AS run, c.method AS method, c.id AS cluster, c.label AS label, c.terms AS terms,
       c.size AS size, c.top_category AS top_category, c.purity AS purity, sample
ORDER BY size DESC, cluster
LIMIT $limit
