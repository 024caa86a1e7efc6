// Create a run (idempotent): kind, parameters as JSON, status queued.
// :params {"run_id": "train-demo", "kind": "train", "params": "{}"}
MERGE (r:Run {id: $run_id})
ON CREATE SET r.kind = $kind, r.params = $params, r.status = 'queued', r.started_at = datetime()
RETURN r.id AS id, r.status AS status
