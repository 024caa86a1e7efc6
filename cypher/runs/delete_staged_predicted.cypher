// Remove the [:PREDICTED] a cancelled or failed run staged before its switch, in batches; never those of a run that is current (a done run's relations are its results).
// :params {"run_id": "train-demo"}
MATCH (run:Run {id: $run_id}) WHERE NOT coalesce(run.current, false)
MATCH ()-[p:PREDICTED {run: $run_id}]->()
CALL (p) { DELETE p } IN TRANSACTIONS OF 10000 ROWS
