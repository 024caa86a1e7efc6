// Make a completed training run the current one, in one small transaction: it becomes the one (:Run {current: true}) that readers of [:PREDICTED] follow. Its staged embeddings and attention move next, in batches (runs/move_staged_*).
// :params {"run": "train-demo"}
MATCH (run:Run {id: $run, kind: 'train'})
CALL (run) {
  MATCH (o:Run {kind: 'train'}) WHERE o.current = true AND o <> run
  SET o.current = false
}
SET run.current = true, run.switched_at = datetime()
RETURN run.id AS current
