// Feature vectors stored on products (p.features, a list of numbers; [] where there is none), in the order given.
// :params {"skus": ["A"]}
UNWIND $skus AS s
MATCH (p:Product {sku: s})
RETURN collect(coalesce(p.features, [])) AS features
