// Add to the global order statistics (support = count / n_orders).
// :params {"orders": 20725, "lines": 520747}
MERGE (s:Stats {id: 'global'})
SET s.n_orders = coalesce(s.n_orders, 0) + $orders,
    s.n_order_lines = coalesce(s.n_order_lines, 0) + $lines,
    s.updated_at = datetime()
RETURN s.n_orders AS n_orders
