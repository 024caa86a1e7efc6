// One page of products (by sku, after $after) with category and outgoing relations of the given types, as columns (one record per page).
// :params {"types": ["CO_PURCHASED", "CO_VIEWED"], "after": "", "batch": 50000}
MATCH (p:Product)
WHERE p.sku > $after
WITH p ORDER BY p.sku LIMIT $batch
// a pattern comprehension always expands from p (no plan can start from a scan of q)
WITH p, [(p)-[r]->(q:Product) WHERE type(r) IN $types AND q.sku IS NOT NULL | [q.sku, type(r)]] AS out
RETURN collect(p.sku) AS skus, collect(coalesce(p.category, '')) AS categories, collect(out) AS out
