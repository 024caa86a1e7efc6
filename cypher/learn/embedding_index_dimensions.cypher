// Dimensions of the product embedding vector index, if it exists, and whether it quantizes the vectors.
// :params {}
SHOW VECTOR INDEXES YIELD name, options
WHERE name = 'product_embedding'
RETURN options.indexConfig['vector.dimensions'] AS dimensions,
       coalesce(options.indexConfig['vector.quantization.enabled'], false) AS quantized
