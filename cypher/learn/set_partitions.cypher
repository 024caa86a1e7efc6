// Record each product's partition for a run (batched): (:Partition {id: run:number})-[:HAS_MEMBER]->(:Product), owned by the run (the partition is linked to its run only once every member is written, by create_partitions).
// :params {"run_id": "train-demo", "rows": [{"sku": "A", "partition": 0}]}
UNWIND $rows AS row
MATCH (p:Product {sku: row.sku})
MERGE (pt:Partition {id: $run_id + ':' + toString(row.partition)})
ON CREATE SET pt.status = 'pending', pt.run = $run_id, pt.number = row.partition
MERGE (pt)-[:HAS_MEMBER]->(p)
RETURN count(*) AS written
