// One page of sale orders (ids after $after, in id order) with their time and the skus they contain: the dated baskets the co-purchase graph is built from (returns left out; the time as ISO 8601 text, null when the order has none).
// :params {"after": "", "limit": 5000}
MATCH (o:Order)
WHERE o.id > $after AND coalesce(o.kind, 'sale') <> 'return'
WITH o ORDER BY o.id LIMIT $limit
RETURN o.id AS id, toString(o.time) AS time, [(o)-[:CONTAINS]->(p:Product) | p.sku] AS skus
