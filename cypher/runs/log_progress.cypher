// Update a run's progress properties and append one line to its log (the last 500 lines are kept;
// log_count counts every line ever appended, so a follower knows what it missed).
// :params {"run_id": "train-demo", "props": {"epoch": 3, "loss": 0.41}, "line": "2026-11-28T10:00:00Z training: epoch 3/30"}
MATCH (r:Run {id: $run_id})
SET r += $props, r.updated_at = datetime(),
    r.log = (coalesce(r.log, []) + [$line])[-500..],
    r.log_count = coalesce(r.log_count, 0) + 1
RETURN r.log_count AS log_count
