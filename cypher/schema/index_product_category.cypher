// Products by category path (BI filters).
// :params {}
CREATE INDEX product_category IF NOT EXISTS FOR (p:Product) ON (p.category)
