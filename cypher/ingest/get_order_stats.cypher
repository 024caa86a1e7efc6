// The global order statistics, if any orders were ingested.
// :params {}
MATCH (s:Stats {id: 'global'})
RETURN s.n_orders AS n_orders, s.n_order_lines AS n_order_lines
