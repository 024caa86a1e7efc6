// Complement chains: a -COMPLEMENT-> b -COMPLEMENT-> c over three distinct products (b completes a, c completes b).
// :params {"limit": 5000000}
MATCH (a:Product)-[:COMPLEMENT]->(b:Product)
WHERE a <> b
MATCH (b)-[:COMPLEMENT]->(c:Product)
WHERE c <> a AND c <> b
WITH DISTINCT a, b, c
RETURN [a.sku, b.sku, c.sku] AS members, ['start', 'middle', 'end'] AS roles
LIMIT $limit
