// Naive baseline: merge one ALSO_BOUGHT {weight: 1.0} pair (one transaction per edge).
// :params {"src": "0", "dst": "1"}
MERGE (a:Product {sku: $src})
MERGE (b:Product {sku: $dst})
MERGE (a)-[r:ALSO_BOUGHT]->(b)
SET r.weight = 1.0
