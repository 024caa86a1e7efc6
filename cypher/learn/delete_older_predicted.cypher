// Remove predicted relations of runs other than the given one (after it completes).
// :params {"run": "train-demo"}
MATCH ()-[p:PREDICTED]->()
WHERE p.run <> $run
CALL (p) { DELETE p } IN TRANSACTIONS OF 10000 ROWS
