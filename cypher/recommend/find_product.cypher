// One product by sku, with whether it carries a vector of the given training run (in p[$property], the current run's property).
// :params {"sku": "whole milk", "run_id": "train-demo", "property": "embedding"}
MATCH (p:Product {sku: $sku})
RETURN p.sku AS sku, p.title AS title, coalesce(p[$property + '_run'] = $run_id, false) AS has_embedding
