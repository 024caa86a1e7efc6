// Whether this server offers vector indexes (Neo4j 5.11+).
// :params {}
SHOW PROCEDURES YIELD name
WHERE name = 'db.index.vector.queryNodes'
RETURN count(*) > 0 AS supported
