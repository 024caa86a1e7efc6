// The online vector index on Product[$property] (the current training run's vectors), if there is one.
// :params {"property": "embedding"}
SHOW INDEXES YIELD name, type, labelsOrTypes, properties, state
WHERE type = 'VECTOR' AND labelsOrTypes = ['Product'] AND properties = [$property] AND state = 'ONLINE'
RETURN name
LIMIT 1
