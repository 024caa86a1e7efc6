// Substitute pairs: two products of the same category, co-viewed (either direction) but never co-purchased; each pair once.
// :params {"limit": 5000000}
MATCH (a:Product)-[:CO_VIEWED]-(b:Product)
WHERE elementId(a) < elementId(b) AND a.category = b.category
WITH DISTINCT a, b
WHERE NOT EXISTS { (a)-[:CO_PURCHASED]-(b) }
RETURN [a.sku, b.sku] AS members, ['substitute', 'substitute'] AS roles
LIMIT $limit
