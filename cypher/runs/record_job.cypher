// Record a run (rules, clusters, ...): kind, status, params and metrics as JSON text, plus each scalar metric as a `metric_<name>` property for Cypher and BI tools.
// :params {"run_id": "rules-demo", "kind": "rules", "status": "done", "params": "{\"min_support\": 0.006}", "metrics": "{\"rules\": 467}", "flat": {"metric_rules": 467}}
MERGE (r:Run {id: $run_id})
ON CREATE SET r.started_at = datetime()
SET r.kind = $kind, r.status = $status, r.params = $params, r.metrics = $metrics,
    r.finished_at = datetime(), r.updated_at = datetime(), r.error = null
SET r += $flat
RETURN r.id AS id, r.kind AS kind, r.status AS status
