// The chunks of a run's named artifact, in order (no rows when it has none).
// :params {"run_id": "train-demo", "name": "embeddings"}
MATCH (:Run {id: $run_id})-[:HAS_ARTIFACT]->(a:Artifact {run: $run_id, name: $name})
RETURN a.chunk AS chunk, a.chunks AS chunks, a.bytes AS bytes
ORDER BY chunk
