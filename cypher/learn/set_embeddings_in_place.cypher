// An incremental refresh's product embeddings, written in place for the serving run (batched): p.embedding is what
// readers of the current run and its vector index read, so nothing is staged and nothing switches.
// :params {"run_id": "train-demo", "rows": [{"sku": "A", "embedding": [0.1, 0.2]}]}
UNWIND $rows AS row
MATCH (p:Product {sku: row.sku})
SET p.embedding = row.embedding, p.embedding_run = $run_id
RETURN count(*) AS written
