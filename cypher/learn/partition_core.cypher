// The products of one partition of a run.
// :params {"run": "train-demo", "partition": 0}
MATCH (p:Product)
WHERE p.partition = $partition AND p.partition_run = $run
RETURN p.sku AS sku
ORDER BY sku
