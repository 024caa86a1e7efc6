// One page of products by internal id with the internal ids of their product neighbours over the given types (outgoing), as columns.
// :params {"ids": [0, 1, 2], "types": ["CO_PURCHASED"]}
UNWIND $ids AS i
MATCH (p:Product) WHERE id(p) = i
// integers, not skus: a structural count needs no names, and a Bolt client pays per value it unpacks;
// no label test on q (a node read per relation): the caller drops ids that are not products
RETURN collect(id(p)) AS ids, collect([(p)-[r]->(q) WHERE type(r) IN $types | id(q)]) AS out
