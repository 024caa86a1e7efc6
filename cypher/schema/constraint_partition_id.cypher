// Unique partition id (run + number).
// :params {}
CREATE CONSTRAINT partition_id IF NOT EXISTS FOR (p:Partition) REQUIRE p.id IS UNIQUE
