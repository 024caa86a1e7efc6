// The partitions of a run with their state.
// :params {"run": "train-demo"}
MATCH (:Run {id: $run})-[:HAS_PARTITION]->(p:Partition)
RETURN p.number AS number, p.size AS size, p.status AS status
ORDER BY number
