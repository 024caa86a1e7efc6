// Which of these products have no category in the graph (the data-driven service-line rule).
// :params {"skus": ["POST", "85123A"]}
UNWIND $skus AS sku
OPTIONAL MATCH (p:Product {sku: sku})
WITH sku, p
WHERE p IS NULL OR NOT (p)-[:IN_CATEGORY]->()
RETURN sku
