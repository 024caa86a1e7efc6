// The most recent finished run of a kind ('rules', 'clusters', ...); for rules, optionally the latest that holds rules of one level.
// :params {"kind": "rules", "level": null}
MATCH (r:Run {kind: $kind})
WHERE r.status = 'done' AND ($level IS NULL OR EXISTS { (:Rule {run: r.id, level: $level}) })
RETURN r.id AS id, r.finished_at AS finished_at
ORDER BY r.finished_at DESC, r.id DESC
LIMIT 1
