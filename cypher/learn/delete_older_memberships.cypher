// Remove the partition memberships of training runs other than the given one (after it is switched in); their (:Partition) nodes stay with their status.
// :params {"run": "train-demo"}
MATCH (pt:Partition)-[m:HAS_MEMBER]->(:Product)
WHERE pt.run <> $run
CALL (m) { DELETE m } IN TRANSACTIONS OF 10000 ROWS
