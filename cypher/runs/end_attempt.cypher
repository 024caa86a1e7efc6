// A training task on a run ended in its worker (finished or raised): the attempt is closed.
// :params {"run_id": "train-demo"}
MATCH (r:Run {id: $run_id})
SET r.attempt_open = false, r.updated_at = datetime()
RETURN r.attempts AS attempts
