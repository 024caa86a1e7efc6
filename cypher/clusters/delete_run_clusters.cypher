// Delete one batch of the clusters of a run (call until it returns 0), so that writing a run again replaces it.
// :params {"run_id": "clusters-demo", "batch": 1000}
MATCH (c:Cluster {run: $run_id})
WITH c LIMIT $batch
DETACH DELETE c
RETURN count(*) AS deleted
