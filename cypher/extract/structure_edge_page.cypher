// One page of products by element id: sku, category, the stored values of the properties $keys, and the outgoing relations of the given types as the neighbour's element id (out) and the type's code $code[type(r)] (codes), one record per page, as columns.
// :params {"ids": ["4:00000000-0000-0000-0000-000000000000:0"], "types": ["CO_PURCHASED", "CO_VIEWED"], "code": {"CO_PURCHASED": 0, "CO_VIEWED": 1}, "keys": ["wl_hash_k2"]}
UNWIND $ids AS i
MATCH (p:Product) WHERE elementId(p) = i AND p.sku IS NOT NULL
// one expansion of p whatever the number of types; no label test on q (a node read per relation): the
// caller drops ids that are not products with a sku
WITH p, [(p)-[r]->(q) WHERE type(r) IN $types | [elementId(q), $code[type(r)]]] AS rels
RETURN collect(elementId(p)) AS ids, collect(p.sku) AS skus, collect(coalesce(p.category, '')) AS categories,
       collect([k IN $keys | p[k]]) AS stored,
       collect([x IN rels | x[0]]) AS out, collect([x IN rels | x[1]]) AS codes
