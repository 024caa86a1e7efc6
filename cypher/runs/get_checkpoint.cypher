// A training run's latest checkpoint bytes (no row when it has none).
// :params {"run_id": "train-demo"}
MATCH (:Run {id: $run_id})-[:HAS_CHECKPOINT]->(c:Checkpoint {run: $run_id})
RETURN c.bytes AS bytes, c.epoch AS epoch
