// Put a failed, cancelled or stuck run back in the queue (resume), keeping its partitions and artifacts; lost-worker count restarts.
// :params {"run_id": "train-demo"}
MATCH (r:Run {id: $run_id})
SET r.status = 'queued', r.error = null, r.updated_at = datetime(), r.workers_lost = 0, r.attempt_open = false
RETURN r.status AS status
