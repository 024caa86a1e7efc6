// Copy a switched run's staged vectors into p.embedding (and p.embedding_run), in batches that stay under the transaction memory limit; the staged p.embedding_next stay (readers use them and their index until runs/serve_embeddings). Idempotent: a rerun copies what is not copied yet.
// :params {"run_id": "train-demo"}
MATCH (p:Product) WHERE p.embedding_next_run = $run_id AND (p.embedding_run IS NULL OR p.embedding_run <> $run_id)
CALL (p) {
  SET p.embedding = p.embedding_next, p.embedding_run = $run_id
} IN TRANSACTIONS OF 10000 ROWS
