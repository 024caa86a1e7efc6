// Dimensions of the product embedding vector index, if it exists.
// :params {}
SHOW VECTOR INDEXES YIELD name, options
WHERE name = 'product_embedding'
RETURN options.indexConfig['vector.dimensions'] AS dimensions
