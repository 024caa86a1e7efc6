// Every pair of products joined by one relationship type, with its stored weight (1.0 when absent; the type is a value, never spliced into the text), for propagating features over the graph.
// :params {"type": "CO_PURCHASED"}
MATCH (a:Product)-[r]->(b:Product)
WHERE type(r) = $type AND a <> b
RETURN a.sku AS a, b.sku AS b, toFloat(coalesce(r.weight, 1.0)) AS weight
