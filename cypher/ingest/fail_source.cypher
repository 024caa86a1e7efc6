// Mark a source failed (resumable: its cursor stays where the last committed batch left it).
// :params {"source_id": "3f2a…", "error": "QueryError: …"}
MATCH (s:Source {id: $source_id})
WHERE s.status <> 'done'
SET s.status = 'failed', s.failed_at = datetime(), s.error = $error
RETURN s.cursor AS cursor
