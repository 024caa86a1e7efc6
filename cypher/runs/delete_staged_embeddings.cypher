// Remove the embeddings a cancelled or failed run staged (p.embedding_next), in batches; the current run's p.embedding is untouched.
// :params {"run_id": "train-demo"}
MATCH (p:Product) WHERE p.embedding_next_run = $run_id
CALL (p) { REMOVE p.embedding_next, p.embedding_next_run } IN TRANSACTIONS OF 10000 ROWS
