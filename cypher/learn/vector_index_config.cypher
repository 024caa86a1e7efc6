// Dimensions of a vector index, if it exists, and whether it quantizes the vectors (absent: Neo4j 5.26's default, quantized).
// :params {"name": "product_embedding"}
SHOW VECTOR INDEXES YIELD name, options
WHERE name = $name
RETURN options.indexConfig['vector.dimensions'] AS dimensions,
       coalesce(options.indexConfig['vector.quantization.enabled'], true) AS quantized
