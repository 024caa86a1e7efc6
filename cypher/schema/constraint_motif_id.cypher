// Unique motif instance id (run + kind + members).
// :params {}
CREATE CONSTRAINT motif_id IF NOT EXISTS FOR (m:Motif) REQUIRE m.id IS UNIQUE
