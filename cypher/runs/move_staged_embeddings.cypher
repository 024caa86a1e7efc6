// Move a switched run's staged embeddings into p.embedding, in batches that stay under the transaction memory limit (one transaction for a 56k-product run went over Neo4j's 2 GiB); idempotent: a rerun moves what is left.
// :params {"run": "train-demo"}
MATCH (p:Product) WHERE p.embedding_next_run = $run
CALL (p) {
  SET p.embedding = p.embedding_next, p.embedding_run = $run
  REMOVE p.embedding_next, p.embedding_next_run
} IN TRANSACTIONS OF 10000 ROWS
