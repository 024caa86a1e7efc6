// Read one ingested source (status, progress) by id.
// :params {"source_id": "3f2a…"}
MATCH (s:Source {id: $source_id})
RETURN s.id AS id, s.status AS status, s.cursor AS cursor, s.batch_size AS batch_size, s.chunk_mb AS chunk_mb,
       s.file AS file, s.finished_at AS finished_at, s.summary AS summary
