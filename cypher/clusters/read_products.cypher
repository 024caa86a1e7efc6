// Every product's sku, title and known category (property `category`, else its first IN_CATEGORY path), for cluster labels and scores.
// :params {}
MATCH (p:Product)
RETURN p.sku AS sku, p.title AS title,
       coalesce(p.category, head([(p)-[:IN_CATEGORY]->(c:Category) | c.path])) AS category
