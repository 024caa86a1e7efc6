// Unique ingested source (file checksum + kind): makes re-ingest a no-op.
// :params {}
CREATE CONSTRAINT source_id IF NOT EXISTS FOR (s:Source) REQUIRE s.id IS UNIQUE
