// Every product's sku and feature list (the property name is a value, never spliced into the text), for propagating features over the graph.
// :params {"property": "features"}
MATCH (p:Product)
RETURN p.sku AS sku, p[$property] AS features
