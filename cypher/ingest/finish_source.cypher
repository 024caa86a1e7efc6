// Mark a source done, with its closing summary (JSON) and row counts.
// :params {"source_id": "3f2a…", "summary": "{}", "rows_read": 10, "rows_rejected": 0, "duplicates": 0}
MATCH (s:Source {id: $source_id})
SET s.status = 'done', s.finished_at = datetime(), s.summary = $summary,
    s.rows_read = $rows_read, s.rows_rejected = $rows_rejected, s.duplicates = $duplicates
RETURN s.cursor AS batches
