// Whether the graph holds what significance weights need: the global order count and co-purchases with counts.
// :params {}
OPTIONAL MATCH (s:Stats {id: 'global'})
RETURN s.n_orders AS n_orders,
       COUNT { MATCH (:Product)-[r:CO_PURCHASED]->(:Product) WHERE r.count IS NOT NULL } AS pairs
