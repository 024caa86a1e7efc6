// Delete one batch of the clusters of a run (call until it returns 0), so that writing a run again replaces it.
// :params {"run": "clusters-demo", "batch": 1000}
MATCH (c:Cluster {run: $run})
WITH c LIMIT $batch
DETACH DELETE c
RETURN count(*) AS deleted
