// Put a failed, cancelled or stuck run back in the queue (resume), keeping its partitions and artifacts.
// :params {"id": "train-demo"}
MATCH (r:Run {id: $id})
SET r.status = 'queued', r.error = null, r.updated_at = datetime()
RETURN r.status AS status
