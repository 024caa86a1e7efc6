// Products by partition (subgraph extraction of training runs).
// :params {}
CREATE INDEX product_partition IF NOT EXISTS FOR (p:Product) ON (p.partition)
