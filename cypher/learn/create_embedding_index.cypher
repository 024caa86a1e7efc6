// The vector index over product embeddings (cosine, exact vectors: int8 quantization, Neo4j's default, reorders close neighbours).
// :params {"dimensions": 64}
CREATE VECTOR INDEX product_embedding IF NOT EXISTS
FOR (p:Product) ON (p.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine',
                       `vector.quantization.enabled`: false}}
