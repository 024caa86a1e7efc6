// The chunks of a run's named artifact, in order (no rows when it has none).
// :params {"run": "train-demo", "name": "embeddings"}
MATCH (:Run {id: $run})-[:HAS_ARTIFACT]->(a:Artifact {run: $run, name: $name})
RETURN a.chunk AS chunk, a.chunks AS chunks, a.bytes AS bytes
ORDER BY chunk
