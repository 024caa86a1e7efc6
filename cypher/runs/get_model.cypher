// A training run's trained model bytes (no row when it has none).
// :params {"run_id": "train-demo"}
MATCH (:Run {id: $run_id})-[:HAS_MODEL]->(m:Model {run: $run_id})
RETURN m.bytes AS bytes
