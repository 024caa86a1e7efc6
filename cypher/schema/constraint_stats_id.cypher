// Unique statistics node id ('global': number of orders, for rule support).
// :params {}
CREATE CONSTRAINT stats_id IF NOT EXISTS FOR (s:Stats) REQUIRE s.id IS UNIQUE
