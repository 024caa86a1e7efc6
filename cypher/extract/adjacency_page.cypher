// One page of products by element id with the element ids of their product neighbours over the given types (outgoing), as columns.
// :params {"ids": ["4:00000000-0000-0000-0000-000000000000:0"], "types": ["CO_PURCHASED"]}
UNWIND $ids AS i
MATCH (p:Product) WHERE elementId(p) = i
// ids, not skus: a structural count needs no names, and reading q's sku costs a node read per relation;
// no label test on q either: the caller drops ids that are not products
RETURN collect(elementId(p)) AS ids, collect([(p)-[r]->(q) WHERE type(r) IN $types | elementId(q)]) AS out
