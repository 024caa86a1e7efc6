// Drop the vector index over staged product embeddings (before re-creating it with other dimensions).
// :params {}
DROP INDEX product_embedding_next IF EXISTS
