// Point readers of the current run at p.embedding and its vector index once every vector of the run is copied there (one small transaction).
// :params {"run_id": "train-demo", "property": "embedding"}
MATCH (run:Run {id: $run_id, kind: 'train'})
WHERE run.current = true
SET run.embedding_property = $property
RETURN run.id AS run, run.embedding_property AS property
