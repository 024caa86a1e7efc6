// Products by the WL hash of their 1-hop ego network (similar structure lookups).
// :params {}
CREATE INDEX product_wl_hash_k1 IF NOT EXISTS FOR (p:Product) ON (p.wl_hash_k1)
