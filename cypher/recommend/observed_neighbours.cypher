// Observed relations of a product (co-purchased, also-bought, co-viewed...), strongest first; `attention` where training run $run_id learned it (staged or moved: the value whose run is $run_id).
// :params {"sku": "whole milk", "run_id": "train-demo", "limit": 50}
MATCH (p:Product {sku: $sku})-[r:CO_PURCHASED|ALSO_BOUGHT|BOUGHT_TOGETHER|CO_VIEWED|ALSO_VIEWED]-(q:Product)
WHERE q <> p
WITH q, type(r) AS type, max(coalesce(r.weight, toFloat(r.count), 1.0)) AS weight, max(r.count) AS count,
     max(CASE WHEN r.attention_next_run = $run_id THEN r.attention_next
              WHEN r.attention_run = $run_id THEN r.attention END) AS attention
RETURN q.sku AS sku, q.title AS title, type, weight, count, attention
ORDER BY weight DESC, sku
LIMIT $limit
