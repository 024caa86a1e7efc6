// Only a run's status (no row when there is no such run): what a task checks between its steps, without reading the run's log.
// :params {"run_id": "train-demo"}
MATCH (r:Run {id: $run_id})
RETURN r.status AS status
