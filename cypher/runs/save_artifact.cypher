// Store one chunk of a run's named artifact (e.g. the learning graph, the embeddings) as bytes in the graph.
// :params {"run_id": "train-demo", "name": "embeddings", "chunk": 0, "chunks": 1, "bytes": []}
MATCH (r:Run {id: $run_id})
MERGE (r)-[:HAS_ARTIFACT]->(a:Artifact {run: $run_id, name: $name, chunk: $chunk})
SET a.bytes = $bytes, a.chunks = $chunks, a.size = size($bytes), a.updated_at = datetime()
RETURN a.size AS size
