// Every product's sku, in a stable order (row i becomes node i of the evaluated graph).
// :params {}
MATCH (p:Product)
RETURN p.sku AS sku
ORDER BY sku
