// Top co-purchase relations per category: the strongest pairs touching each category, within it or across to another.
// :params {"perCategory": 5, "minCount": 1}
MATCH (c:Category)<-[:IN_CATEGORY]-(:Product)-[r:CO_PURCHASED]-(:Product)
WHERE coalesce(r.count, 1) >= $minCount
WITH DISTINCT c, r
WITH c, r, startNode(r) AS a, endNode(r) AS b, coalesce(r.weight, toFloat(r.count), 1.0) AS strength
ORDER BY c.path, strength DESC, a.sku, b.sku
WITH c, collect({a: a, b: b, r: r, strength: strength})[..$perCategory] AS top
UNWIND top AS t
WITH c, t.a AS a, t.b AS b, t.r AS r, t.strength AS strength
RETURN c.path AS category,
       a.sku AS product, a.title AS product_title,
       b.sku AS related, b.title AS related_title,
       r.count AS orders, strength AS weight,
       CASE WHEN EXISTS { (a)-[:IN_CATEGORY]->(c) } AND EXISTS { (b)-[:IN_CATEGORY]->(c) }
            THEN 'within' ELSE 'across' END AS scope
ORDER BY category, weight DESC, product, related
