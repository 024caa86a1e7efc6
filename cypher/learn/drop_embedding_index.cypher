// Drop the product embedding vector index (before re-creating it with other dimensions).
// :params {}
DROP INDEX product_embedding IF EXISTS
