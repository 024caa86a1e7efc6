// The product with the most relations to other products (ties by sku): whose recommendations the report draws.
// :params {}
MATCH (p:Product)
RETURN p.sku AS sku, COUNT { (p)--(:Product) } AS degree
ORDER BY degree DESC, sku
LIMIT 1
