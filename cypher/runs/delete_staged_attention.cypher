// Remove the attention a cancelled or failed run staged (r.attention_next), in batches; the current run's r.attention is untouched.
// :params {"run_id": "train-demo"}
MATCH (:Product)-[r]->(:Product) WHERE r.attention_next_run = $run_id
CALL (r) { REMOVE r.attention_next, r.attention_next_run } IN TRANSACTIONS OF 20000 ROWS
