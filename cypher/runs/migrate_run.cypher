// Bring one run recorded by an older relmine to the one run model: set $props (metrics, status and stage, flat `metric_*` figures) and drop the legacy metrics_json (its text is in metrics).
// :params {"run_id": "motifs-20261201T100000Z", "props": {"metrics": "{\"bundle_star\": {\"instances\": 3}}", "metric_bundle_star_instances": 3}}
MATCH (r:Run {id: $run_id})
SET r += $props
REMOVE r.metrics_json
RETURN r.id AS id
