// Stage the learned attention weight on observed relations (batched); r.attention at the run's switch.
// One row per source product: the value of each of its related pairs by relation type, then by the other product's
// sku. The source's relations are walked once (not one lookup and expansion per pair), in either direction, so a
// relation is matched in whichever direction it is stored (both, if both are).
// :params {"run_id": "train-demo", "rows": [{"src": "A", "types": ["CO_PURCHASED"], "attention": {"CO_PURCHASED": {"B": 0.4}}}]}
UNWIND $rows AS row
MATCH (:Product {sku: row.src})-[r]-(b:Product)
WHERE type(r) IN row.types
WITH r, row.attention[type(r)][b.sku] AS value
WHERE value IS NOT NULL
SET r.attention_next = value, r.attention_next_run = $run_id
RETURN count(*) AS written
