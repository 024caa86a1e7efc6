// Move a switched run's staged attention into r.attention, in batches that stay under the transaction memory limit (1.27M relations of a 56k-product run went over Neo4j's 2 GiB in one); idempotent: a rerun moves what is left.
// :params {"run_id": "train-demo"}
MATCH (:Product)-[r]->(:Product) WHERE r.attention_next_run = $run_id
CALL (r) {
  SET r.attention = r.attention_next, r.attention_run = $run_id
  REMOVE r.attention_next, r.attention_next_run
} IN TRANSACTIONS OF 20000 ROWS
