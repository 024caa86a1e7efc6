// The products of one partition of a run (its members).
// :params {"run_id": "train-demo", "partition": 0}
MATCH (:Partition {id: $run_id + ':' + toString($partition)})-[:HAS_MEMBER]->(p:Product)
RETURN p.sku AS sku
ORDER BY sku
