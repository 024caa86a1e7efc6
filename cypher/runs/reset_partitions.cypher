// After a cleanup (or on resume), the partitions of a run that are not written are pending and unpublished again, so that the next delivery queues them; with $all, the written ones too (their staged results were removed).
// :params {"run_id": "train-demo", "all": false}
MATCH (:Run {id: $run_id})-[:HAS_PARTITION]->(p:Partition)
WHERE $all OR p.status <> 'done'
SET p.status = 'pending', p.published = false
RETURN count(p) AS reset
