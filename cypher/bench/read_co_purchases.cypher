// Every CO_PURCHASED pair by sku with its weight, in one plain read (the pull the extraction is measured against).
// :params {}
MATCH (a:Product)-[r:CO_PURCHASED]->(b:Product)
RETURN a.sku AS a, b.sku AS b, r.weight AS w
