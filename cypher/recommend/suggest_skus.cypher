// Skus that resemble a text (in the sku or the title), to suggest when a sku is unknown.
// :params {"text": "milk", "limit": 5}
MATCH (p:Product)
WHERE toLower(p.sku) CONTAINS toLower($text) OR toLower(coalesce(p.title, '')) CONTAINS toLower($text)
RETURN p.sku AS sku
ORDER BY size(p.sku), p.sku
LIMIT $limit
