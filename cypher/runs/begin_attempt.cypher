// A training task starts on a run: an attempt still open means the previous worker was lost (killed) mid-task.
// :params {"run_id": "train-demo", "worker": "celery@host"}
MATCH (r:Run {id: $run_id})
SET r.workers_lost = coalesce(r.workers_lost, 0) + CASE WHEN coalesce(r.attempt_open, false) THEN 1 ELSE 0 END,
    r.attempt_open = true, r.attempt_worker = $worker, r.attempts = coalesce(r.attempts, 0) + 1,
    r.updated_at = datetime()
RETURN r.workers_lost AS lost, r.attempts AS attempts
