// Products whose k-hop neighbourhood has a given WL hash (same structure), the given product excluded.
// :params {"key": "wl_hash_k2", "hash": "0c6b1f3e9a7d4c2b8e5f1a0d3c7b9e21", "exclude": "p1", "limit": 50}
MATCH (q:Product)
WHERE q[$key] = $hash AND q.sku <> $exclude
RETURN q.sku AS sku, q.title AS title, q.category AS category
ORDER BY sku
LIMIT $limit
