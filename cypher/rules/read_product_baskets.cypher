// Read baskets: the distinct product skus of every order (product-level rules).
// :params {}
MATCH (o:Order)-[:CONTAINS]->(p:Product)
RETURN o.id AS basket, collect(DISTINCT p.sku) AS items
