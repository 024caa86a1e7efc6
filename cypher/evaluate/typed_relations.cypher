// Typed relations between products, one row per relationship, for the given relation types (a value, never spliced into the text).
// :params {"types": ["ALSO_BOUGHT", "ALSO_VIEWED", "COMPLEMENT", "SUBSTITUTE"]}
MATCH (a:Product)-[r]->(b:Product)
WHERE type(r) IN $types AND a <> b
RETURN a.sku AS src, b.sku AS dst, type(r) AS type
