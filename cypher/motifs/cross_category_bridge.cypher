// Cross-category bridges: a co-purchase between products of different categories that closes no co-purchase triangle; each pair once.
// :params {"limit": 5000000}
MATCH (a:Product)-[:CO_PURCHASED]-(b:Product)
WHERE elementId(a) < elementId(b) AND a.category <> b.category
WITH DISTINCT a, b
WHERE NOT EXISTS { (a)-[:CO_PURCHASED]-(c:Product)-[:CO_PURCHASED]-(b) WHERE c <> a AND c <> b }
RETURN [a.sku, b.sku] AS members, ['bridge', 'bridge'] AS roles
LIMIT $limit
