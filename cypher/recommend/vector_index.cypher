// The online vector index on Product.embedding, if there is one.
// :params {}
SHOW INDEXES YIELD name, type, labelsOrTypes, properties, state
WHERE type = 'VECTOR' AND labelsOrTypes = ['Product'] AND properties = ['embedding'] AND state = 'ONLINE'
RETURN name
LIMIT 1
