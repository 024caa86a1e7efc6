// Store a training run's trained model (torch.save of a state_dict and plain values) as bytes in the graph.
// :params {"run": "train-demo", "bytes": []}
MATCH (r:Run {id: $run})
MERGE (r)-[:HAS_MODEL]->(m:Model {run: $run})
SET m.bytes = $bytes, m.size = size($bytes), m.updated_at = datetime()
RETURN m.size AS size
