// Every order with a time and the skus it contains, for the relation-times migration (streamed; returns are kind 'return').
// :params {}
MATCH (o:Order)
WHERE o.time IS NOT NULL
RETURN o.kind = 'return' AS returned, o.time AS time, [(o)-[:CONTAINS]->(p:Product) | p.sku] AS skus
