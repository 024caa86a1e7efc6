// Products in the most motif instances of one kind and run, with their roles (BI).
// :params {"kind": "co_purchase_triangle", "run_id": "motifs-demo", "limit": 20}
MATCH (m:Motif {kind: $kind, run: $run_id})-[h:HAS_MEMBER]->(p:Product)
RETURN p.sku AS sku, p.title AS title, p.category AS category, count(m) AS motifs, collect(DISTINCT h.role) AS roles
ORDER BY motifs DESC, sku
LIMIT $limit
