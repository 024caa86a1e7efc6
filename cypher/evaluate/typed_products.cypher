// Every product with what the typed evaluation's content baseline reads: title, description, category path(s), price.
// :params {}
MATCH (p:Product)
RETURN p.sku AS sku, p.title AS title, p.description AS description,
       coalesce(p.category, head([(p)-[:IN_CATEGORY]->(c:Category) | c.path])) AS category,
       p.categories AS categories, p.price AS price
ORDER BY sku
