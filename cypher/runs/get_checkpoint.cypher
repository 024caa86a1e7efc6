// A training run's latest checkpoint bytes (no row when it has none).
// :params {"run": "train-demo"}
MATCH (:Run {id: $run})-[:HAS_CHECKPOINT]->(c:Checkpoint {run: $run})
RETURN c.bytes AS bytes, c.epoch AS epoch
