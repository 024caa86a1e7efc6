// Record (or find again) an ingest of one file: its checksum, kind, options and progress cursor;
// a failed or interrupted source is running again. relation_times: its relations get first_seen / last_seen
// (sources made before that have none; `relmine migrate` fills them in).
// :params {"source_id": "3f2a…", "kind": "edges", "file": "amazon0302.txt.gz", "sha256": "ab12…", "options": "{}", "batch_size": 20000, "chunk_mb": 16.0}
MERGE (s:Source {id: $source_id})
  ON CREATE SET s.kind = $kind, s.file = $file, s.sha256 = $sha256, s.options = $options,
                s.batch_size = $batch_size, s.chunk_mb = $chunk_mb, s.cursor = 0, s.status = 'running',
                s.nonce = randomUUID(), s.started_at = datetime(), s.relation_times = true
SET s.attempts = coalesce(s.attempts, 0) + CASE s.status WHEN 'done' THEN 0 ELSE 1 END,
    s.status = CASE s.status WHEN 'done' THEN 'done' ELSE 'running' END
RETURN s.status AS status, s.cursor AS cursor, s.batch_size AS batch_size,
       s.nonce AS nonce
