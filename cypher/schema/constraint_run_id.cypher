// Unique run id: provenance of everything written back.
// :params {}
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (r:Run) REQUIRE r.id IS UNIQUE
