// A run's state without its log: status, whether it is current, its params, its partitions written (what a write-back task checks between its steps), and, for a refresh, its source run and mode.
// :params {"run_id": "train-demo"}
MATCH (r:Run {id: $run_id})
OPTIONAL MATCH (r)-[:HAS_PARTITION]->(p:Partition)
RETURN r.status AS status, coalesce(r.current, false) AS current, r.params AS params,
       count(p) AS partitions_total, count(CASE WHEN p.status = 'done' THEN 1 END) AS partitions_done,
       r.refresh_of AS refresh_of, r.refresh_mode AS refresh_mode
