// The vector index over staged product embeddings (p.embedding_next: cosine, exact vectors), which readers search while a newly switched run's vectors are copied into p.embedding.
// :params {"dimensions": 64}
CREATE VECTOR INDEX product_embedding_next IF NOT EXISTS
FOR (p:Product) ON (p.embedding_next)
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine',
                       `vector.quantization.enabled`: false}}
