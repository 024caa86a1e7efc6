// Store a training run's latest checkpoint (torch.save of tensors and plain values) as bytes in the graph.
// :params {"run_id": "train-demo", "bytes": [], "epoch": 3}
MATCH (r:Run {id: $run_id})
MERGE (r)-[:HAS_CHECKPOINT]->(c:Checkpoint {run: $run_id})
SET c.bytes = $bytes, c.epoch = $epoch, c.size = size($bytes), c.updated_at = datetime()
RETURN c.epoch AS epoch
