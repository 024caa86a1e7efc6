// A run's state without its log: status, whether it is current, its params, and its partitions written (what a write-back task checks between its steps).
// :params {"run_id": "train-demo"}
MATCH (r:Run {id: $run_id})
OPTIONAL MATCH (r)-[:HAS_PARTITION]->(p:Partition)
RETURN r.status AS status, coalesce(r.current, false) AS current, r.params AS params,
       count(p) AS partitions_total, count(CASE WHEN p.status = 'done' THEN 1 END) AS partitions_done
