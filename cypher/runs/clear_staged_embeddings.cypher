// Remove the staged vectors of a run that is served from p.embedding (after runs/serve_embeddings), in batches; only those already copied.
// :params {"run_id": "train-demo"}
MATCH (run:Run {id: $run_id}) WHERE run.current = true AND run.embedding_property = 'embedding'
MATCH (p:Product) WHERE p.embedding_next_run = $run_id AND p.embedding_run = $run_id
CALL (p) {
  REMOVE p.embedding_next, p.embedding_next_run
} IN TRANSACTIONS OF 10000 ROWS
