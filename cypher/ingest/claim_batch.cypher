// Claim batch $seq of a source: its cursor goes from $seq - 1 to $seq (locking the node); the batch's writes share this transaction.
// :params {"source_id": "3f2a…", "seq": 1, "phase": "products"}
MATCH (s:Source {id: $source_id})
WHERE s.cursor = $seq - 1 AND s.status = 'running'
SET s.cursor = $seq, s.phase = $phase, s.updated_at = datetime()
RETURN count(s) AS claimed
