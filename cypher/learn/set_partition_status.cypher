// Mark one partition of a run (pending, done) with what was written.
// :params {"run_id": "train-demo", "number": 0, "status": "done", "props": {"embeddings": 100}}
MATCH (p:Partition {id: $run_id + ':' + toString($number)})
SET p.status = $status, p += $props, p.updated_at = datetime()
RETURN p.status AS status
