// Products by the WL hash of their 2-hop ego network (similar structure lookups).
// :params {}
CREATE INDEX product_wl_hash_k2 IF NOT EXISTS FOR (p:Product) ON (p.wl_hash_k2)
