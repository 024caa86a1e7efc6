// Update a run's status and progress properties (epoch, loss, metrics_json, …).
// :params {"run_id": "train-demo", "props": {"status": "training", "epoch": 3, "loss": 0.41}}
MATCH (r:Run {id: $run_id})
SET r += $props, r.updated_at = datetime()
RETURN r.status AS status
