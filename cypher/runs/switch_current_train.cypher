// Make a completed training run the current one, in one small transaction: it becomes the one (:Run {current: true}) that readers follow, for its [:PREDICTED] and its vectors, which they take from p[run.embedding_property] (the staged p.embedding_next until runs/serve_embeddings). A run that is current already keeps its property (a redelivered task). A run cancelled or failed meanwhile is refused (no row): the run's write lock is taken before its status is read, so this and runs/end_run serialise (whichever commits first wins).
// :params {"run_id": "train-demo", "property": "embedding_next"}
MATCH (run:Run {id: $run_id, kind: 'train'})
SET run.lock_ = true
WITH run, run.status AS status
REMOVE run.lock_
WITH run, status WHERE NOT status IN ['cancelled', 'failed']
WITH run, coalesce(run.current, false) AS already
CALL (run) {
  MATCH (o:Run {kind: 'train'}) WHERE o.current = true AND o <> run
  SET o.current = false
}
SET run.current = true, run.switched_at = coalesce(run.switched_at, datetime()),
    run.embedding_property = CASE WHEN already THEN coalesce(run.embedding_property, $property) ELSE $property END
RETURN run.id AS current, run.embedding_property AS property
