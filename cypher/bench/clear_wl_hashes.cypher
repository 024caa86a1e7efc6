// Remove every product's stored WL hashes (bench/wl.py: a first run of `relmine wl-hash` writes them all).
// :params {}
MATCH (p:Product) WHERE p.wl_hash_k1 IS NOT NULL OR p.wl_hash_k2 IS NOT NULL OR p.wl_hash_k3 IS NOT NULL
CALL (p) { REMOVE p.wl_hash_k1, p.wl_hash_k2, p.wl_hash_k3 } IN TRANSACTIONS OF 20000 ROWS
RETURN count(p) AS products
