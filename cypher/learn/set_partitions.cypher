// Record each product's partition for a run (batched).
// :params {"run": "train-demo", "rows": [{"sku": "A", "partition": 0}]}
UNWIND $rows AS row
MATCH (p:Product {sku: row.sku})
SET p.partition = row.partition, p.partition_run = $run
RETURN count(*) AS written
