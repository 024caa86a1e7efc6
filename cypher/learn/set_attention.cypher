// Write the learned attention weight on observed relations (batched).
// :params {"run": "train-demo", "rows": [{"src": "A", "dst": "B", "type": "CO_PURCHASED", "attention": 0.4}]}
UNWIND $rows AS row
MATCH (a:Product {sku: row.src})-[r]->(b:Product {sku: row.dst})
WHERE type(r) = row.type
SET r.attention = row.attention, r.attention_run = $run
RETURN count(*) AS written
