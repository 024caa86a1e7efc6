// The partitions of a run with their state (published: its write-back task reached the broker).
// :params {"run_id": "train-demo"}
MATCH (:Run {id: $run_id})-[:HAS_PARTITION]->(p:Partition)
RETURN p.number AS number, p.size AS size, p.status AS status,
       coalesce(p.published, false) AS published
ORDER BY number
