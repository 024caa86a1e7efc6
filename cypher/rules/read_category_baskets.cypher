// Read baskets: the distinct categories of every order's products (category-level rules); orders whose products have no category give an empty basket, so supports share the denominator of product-level rules.
// :params {}
MATCH (o:Order)
WHERE EXISTS { (o)-[:CONTAINS]->(:Product) }
OPTIONAL MATCH (o)-[:CONTAINS]->(:Product)-[:IN_CATEGORY]->(c:Category)
RETURN o.id AS basket, collect(DISTINCT c.path) AS items
