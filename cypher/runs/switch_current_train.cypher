// Make a completed training run current in one transaction: its staged embeddings and attention replace the previous run's, and it becomes the one (:Run {current: true}) that readers of [:PREDICTED] follow.
// :params {"run": "train-demo"}
MATCH (run:Run {id: $run, kind: 'train'})
CALL (run) {
  MATCH (p:Product) WHERE p.embedding_next_run = run.id
  SET p.embedding = p.embedding_next, p.embedding_run = run.id
  REMOVE p.embedding_next, p.embedding_next_run
}
CALL (run) {
  MATCH (:Product)-[r]->(:Product) WHERE r.attention_next_run = run.id
  SET r.attention = r.attention_next, r.attention_run = run.id
  REMOVE r.attention_next, r.attention_next_run
}
CALL (run) {
  MATCH (o:Run {kind: 'train'}) WHERE o.current = true AND o <> run
  SET o.current = false
}
SET run.current = true, run.switched_at = datetime()
RETURN run.id AS current
