// Orders, lines, quantities, pairs, pair counts, products and order counts (compared between the ingest contenders).
// :params {}
CALL () { MATCH (o:Order) RETURN count(o) AS orders }
CALL () { MATCH ()-[c:CONTAINS]->() RETURN count(c) AS lines, sum(c.qty) AS qty }
CALL () { MATCH ()-[r:CO_PURCHASED]->() RETURN count(r) AS pairs, sum(r.count) AS pair_count }
CALL () { MATCH (p:Product) RETURN count(p) AS products, sum(p.order_count) AS order_count }
RETURN orders, lines, qty, pairs, pair_count, products, order_count
