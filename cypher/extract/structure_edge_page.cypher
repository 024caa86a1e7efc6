// One page of products by internal id: sku, category, the stored values of the properties $keys, and the outgoing relations of the given types as integers id(q) * $width + $code[type(r)] (one record per page, as columns).
// :params {"ids": [0, 1, 2], "types": ["CO_PURCHASED", "CO_VIEWED"], "code": {"CO_PURCHASED": 0, "CO_VIEWED": 1}, "width": 2, "keys": ["wl_hash_k2"]}
UNWIND $ids AS i
MATCH (p:Product) WHERE id(p) = i AND p.sku IS NOT NULL
// one integer per relation, from one expansion of p whatever the number of types: a Bolt client pays per
// value it unpacks; no label test on q (a node read per relation): the caller drops ids that are not
// products with a sku
RETURN collect(id(p)) AS ids, collect(p.sku) AS skus, collect(coalesce(p.category, '')) AS categories,
       collect([k IN $keys | p[k]]) AS stored,
       collect([(p)-[r]->(q) WHERE type(r) IN $types | id(q) * $width + $code[type(r)]]) AS out
