// Answer one row once the database takes statements (a worker waiting for Neo4j to come back polls this).
// :params {}
RETURN 1 AS ok
