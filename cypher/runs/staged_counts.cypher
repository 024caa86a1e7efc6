// What a run has staged and not yet switched: its [:PREDICTED], p.embedding_next and r.attention_next (counted before a cleanup, so the run's log can say what went).
// :params {"run_id": "train-demo"}
CALL () { MATCH ()-[p:PREDICTED {run: $run_id}]->() RETURN count(p) AS predicted }
CALL () { MATCH (p:Product) WHERE p.embedding_next_run = $run_id RETURN count(p) AS embeddings }
CALL () { MATCH (:Product)-[r]->(:Product) WHERE r.attention_next_run = $run_id RETURN count(r) AS attention }
RETURN predicted, embeddings, attention
