// Record the partitions of a run: (:Run)-[:HAS_PARTITION]->(:Partition {run, number, size, status}).
// :params {"run_id": "train-demo", "rows": [{"number": 0, "size": 100}]}
MATCH (r:Run {id: $run_id})
UNWIND $rows AS row
MERGE (p:Partition {id: $run_id + ':' + toString(row.number)})
ON CREATE SET p.status = 'pending'
SET p.run = $run_id, p.number = row.number, p.size = row.size
MERGE (r)-[:HAS_PARTITION]->(p)
RETURN count(p) AS partitions
