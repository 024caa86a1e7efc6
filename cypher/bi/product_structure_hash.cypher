// A product's WL structure hash under a given property (wl_hash_k1, wl_hash_k2, ...).
// :params {"sku": "p1", "key": "wl_hash_k2"}
MATCH (p:Product {sku: $sku})
RETURN p.sku AS sku, p[$key] AS hash
