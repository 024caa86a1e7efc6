// Remove predicted relations of runs other than the given one (after it completes).
// :params {"run_id": "train-demo"}
MATCH ()-[p:PREDICTED]->()
WHERE p.run <> $run_id
CALL (p) { DELETE p } IN TRANSACTIONS OF 10000 ROWS
