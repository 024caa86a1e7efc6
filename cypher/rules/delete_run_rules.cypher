// Delete one batch of the rules of a run (call until it returns 0), so that writing a run again replaces it.
// :params {"run_id": "rules-demo", "batch": 10000}
MATCH (r:Rule {run: $run_id})
WITH r LIMIT $batch
DETACH DELETE r
RETURN count(*) AS deleted
