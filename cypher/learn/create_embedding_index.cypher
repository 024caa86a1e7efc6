// The vector index over product embeddings (cosine), for nearest-neighbour queries.
// :params {"dimensions": 64}
CREATE VECTOR INDEX product_embedding IF NOT EXISTS
FOR (p:Product) ON (p.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}
