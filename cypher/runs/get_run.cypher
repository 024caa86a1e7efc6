// One run with its progress.
// :params {"run_id": "train-demo"}
MATCH (r:Run {id: $run_id})
OPTIONAL MATCH (r)-[:HAS_PARTITION]->(p:Partition)
RETURN r {.*, started_at: toString(r.started_at), updated_at: toString(r.updated_at),
          finished_at: toString(r.finished_at)} AS run,
       count(p) AS partitions_total, count(CASE WHEN p.status = 'done' THEN 1 END) AS partitions_done
