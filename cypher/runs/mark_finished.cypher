// Stamp a run's finish time (kept on re-runs).
// :params {"run_id": "train-demo"}
MATCH (r:Run {id: $run_id})
SET r.finished_at = coalesce(r.finished_at, datetime())
RETURN r.finished_at AS finished_at
