// The lifecycle of a rules or clusters job on its (:Run): 'queued' (sent to the mine queue), 'running' (a worker or the CLI works on it), 'failed' (with $error, the reason). 'done' comes with the figures, from runs/record_job. A run of another kind under the same id is left alone: no row comes back.
// :params {"run_id": "rules-demo", "kind": "rules", "status": "running", "params": "{\"min_support\": 0.01}", "error": null}
MERGE (r:Run {id: $run_id})
ON CREATE SET r.kind = $kind
WITH r WHERE r.kind = $kind
SET r.status = $status, r.updated_at = datetime(), r.params = coalesce($params, r.params), r.error = $error,
    r.queued_at = CASE WHEN $status = 'queued' THEN datetime() ELSE r.queued_at END,
    r.started_at = CASE WHEN $status = 'running' THEN datetime() ELSE r.started_at END,
    r.finished_at = CASE WHEN $status = 'failed' THEN datetime() END
RETURN r.id AS id, r.status AS status
