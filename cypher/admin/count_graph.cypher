// Node and relationship counts by label / type.
// :params {}
CALL db.labels() YIELD label
CALL (label) { MATCH (n) WHERE label IN labels(n) RETURN count(n) AS n }
RETURN 'node' AS kind, label AS name, n AS count
UNION ALL
CALL db.relationshipTypes() YIELD relationshipType AS t
CALL (t) { MATCH ()-[r]->() WHERE type(r) = t RETURN count(r) AS n }
RETURN 'relationship' AS kind, t AS name, n AS count
