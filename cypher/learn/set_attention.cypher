// Stage the learned attention weight on observed relations (batched); r.attention at the run's switch.
// One row per related pair: the relation is matched in whichever direction it is stored (both, if both are).
// :params {"run_id": "train-demo", "rows": [{"src": "A", "dst": "B", "type": "CO_PURCHASED", "attention": 0.4}]}
UNWIND $rows AS row
MATCH (a:Product {sku: row.src})-[r]-(b:Product {sku: row.dst})
WHERE type(r) = row.type
SET r.attention_next = row.attention, r.attention_next_run = $run_id
RETURN count(*) AS written
