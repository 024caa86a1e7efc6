// A training run's trained model bytes (no row when it has none).
// :params {"run": "train-demo"}
MATCH (:Run {id: $run})-[:HAS_MODEL]->(m:Model {run: $run})
RETURN m.bytes AS bytes
