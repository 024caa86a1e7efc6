// Every ingested source, newest first.
// :params {}
MATCH (s:Source)
RETURN s.id AS id, s.kind AS kind, s.file AS file, s.status AS status, s.cursor AS batches,
       s.rows_read AS rows_read, s.rows_rejected AS rejected, toString(s.started_at) AS started_at,
       toString(s.finished_at) AS finished_at
ORDER BY s.started_at DESC
