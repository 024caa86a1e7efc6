// Stage product embeddings of a run (batched); they become p.embedding at the run's switch.
// :params {"run_id": "train-demo", "rows": [{"sku": "A", "embedding": [0.1, 0.2]}]}
UNWIND $rows AS row
MATCH (p:Product {sku: row.sku})
SET p.embedding_next = row.embedding, p.embedding_next_run = $run_id
RETURN count(*) AS written
