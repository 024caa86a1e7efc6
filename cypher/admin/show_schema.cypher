// The schema as rows (kind, name, entity, properties), for `relmine init` and its tests.
// :params {}
SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, owningConstraint
WHERE type <> 'LOOKUP'
RETURN CASE WHEN owningConstraint IS NULL THEN 'index' ELSE 'constraint' END AS kind,
       name, type, labelsOrTypes AS entity, properties
ORDER BY name
