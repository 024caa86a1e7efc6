// Remove the partition memberships of training runs other than the given one (after it is switched in); their (:Partition) nodes stay with their status.
// :params {"run_id": "train-demo"}
MATCH (pt:Partition)-[m:HAS_MEMBER]->(:Product)
WHERE pt.run <> $run_id
CALL (m) { DELETE m } IN TRANSACTIONS OF 10000 ROWS
