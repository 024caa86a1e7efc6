// Write predicted relations of a run: (a)-[:PREDICTED]->(b) means b is among a's top-k (idempotent per run).
// :params {"run_id": "train-demo", "rows": [{"src": "A", "dst": "B", "type": "CO_PURCHASED", "kind": "complement", "score": 0.93, "rank": 1}]}
UNWIND $rows AS row
MATCH (a:Product {sku: row.src}), (b:Product {sku: row.dst})
MERGE (a)-[p:PREDICTED {run: $run_id}]->(b)
SET p.type = row.type, p.kind = row.kind, p.score = row.score, p.rank = row.rank
RETURN count(*) AS written
