// Store a training run's trained model (torch.save of a state_dict and plain values) as bytes in the graph.
// :params {"run_id": "train-demo", "bytes": []}
MATCH (r:Run {id: $run_id})
MERGE (r)-[:HAS_MODEL]->(m:Model {run: $run_id})
SET m.bytes = $bytes, m.size = size($bytes), m.updated_at = datetime()
RETURN m.size AS size
