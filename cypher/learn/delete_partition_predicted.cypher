// Delete the predicted relations a run wrote out of the given products (a partition's, before it writes them:
// a task that died mid-partition and is run again starts from none, so CREATE writes no pair twice).
// :params {"run_id": "train-demo", "skus": ["A"]}
UNWIND $skus AS s
MATCH (:Product {sku: s})-[p:PREDICTED {run: $run_id}]->()
DELETE p
RETURN count(*) AS deleted
