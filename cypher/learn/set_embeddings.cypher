// Write product embeddings of a run (batched).
// :params {"run": "train-demo", "rows": [{"sku": "A", "embedding": [0.1, 0.2]}]}
UNWIND $rows AS row
MATCH (p:Product {sku: row.sku})
SET p.embedding = row.embedding, p.embedding_run = $run
RETURN count(*) AS written
