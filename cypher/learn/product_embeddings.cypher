// Every product that carries an embedding, with its category and the run that wrote it (for measuring the space).
// :params {}
MATCH (p:Product)
WHERE p.embedding IS NOT NULL
RETURN p.sku AS sku, coalesce(p.category, '') AS category, p.embedding AS embedding, p.embedding_run AS run
ORDER BY sku
