// Record that one partition's write-back task reached the broker (the outbox: a redelivered or resumed training task publishes only the partitions not yet published).
// :params {"run_id": "train-demo", "number": 0}
MATCH (p:Partition {id: $run_id + ':' + toString($number)})
SET p.published = true, p.published_at = datetime()
RETURN p.number AS number
