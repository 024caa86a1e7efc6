// End a run that is still going: set its status ('cancelled' or 'failed') and $props, and append a line to its log, unless it has ended already or has been switched in (current). The run's write lock is taken first (SET then read, the lost-update idiom), so this and runs/switch_current_train serialise: a switch that commits first makes this change nothing (ended = false), and a switch that comes after finds the status and refuses.
// :params {"run_id": "train-demo", "status": "cancelled", "props": {}, "line": "2026-11-28T10:00:00Z cancelled (was training)"}
MATCH (r:Run {id: $run_id})
SET r.lock_ = true
WITH r, r.status AS was, coalesce(r.current, false) AS current
REMOVE r.lock_
WITH r, was, current, NOT (was IN ['done', 'failed', 'cancelled'] OR current) AS ended
FOREACH (_ IN CASE WHEN ended THEN [1] ELSE [] END |
  SET r += $props, r.status = $status, r.updated_at = datetime(),
      r.log = (coalesce(r.log, []) + [$line])[-500..],
      r.log_count = coalesce(r.log_count, 0) + 1)
RETURN was, current, ended
