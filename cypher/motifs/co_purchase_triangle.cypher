// Co-purchase triangles: three products pairwise CO_PURCHASED (either direction), each triangle once.
// :params {"limit": 5000000}
MATCH (a:Product)-[:CO_PURCHASED]-(b:Product)
WHERE elementId(a) < elementId(b)
MATCH (b)-[:CO_PURCHASED]-(c:Product)
WHERE elementId(b) < elementId(c)
MATCH (a)-[:CO_PURCHASED]-(c)
WITH DISTINCT a, b, c
RETURN [a.sku, b.sku, c.sku] AS members, ['corner', 'corner', 'corner'] AS roles
LIMIT $limit
