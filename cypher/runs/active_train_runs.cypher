// Training runs not yet ended (queued, or running in a stage: pulling, training, testing, embedding), other than $run_id.
// :params {"run_id": "train-demo"}
MATCH (r:Run {kind: 'train'})
WHERE r.id <> $run_id AND NOT r.status IN ['done', 'failed', 'cancelled']
RETURN r.id AS id, r.status AS status, r.stage AS stage, toString(r.updated_at) AS updated_at
ORDER BY r.id
