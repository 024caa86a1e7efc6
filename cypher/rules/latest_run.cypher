// The most recent finished run of a kind ('rules', 'clusters', ...).
// :params {"kind": "rules"}
MATCH (r:Run {kind: $kind})
WHERE r.status = 'done'
RETURN r.id AS id, r.finished_at AS finished_at
ORDER BY r.finished_at DESC, r.id DESC
LIMIT 1
