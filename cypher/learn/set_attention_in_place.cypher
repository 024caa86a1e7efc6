// An incremental refresh's attention on observed relations, written in place for the serving run (batched), one row
// per source product as learn/set_attention: the value of each of its related pairs by type, then by the other sku.
// :params {"run_id": "train-demo", "rows": [{"src": "A", "types": ["CO_PURCHASED"], "attention": {"CO_PURCHASED": {"B": 0.4}}}]}
UNWIND $rows AS row
MATCH (:Product {sku: row.src})-[r]-(b:Product)
WHERE type(r) IN row.types
WITH r, row.attention[type(r)][b.sku] AS value
WHERE value IS NOT NULL
SET r.attention = value, r.attention_run = $run_id
RETURN count(*) AS written
