// Project the products and the given relationship types into a GDS graph for triangleCount ($rels: type -> UNDIRECTED, SINGLE aggregation).
// :params {"name": "relmine-triangles-demo", "rels": {"CO_PURCHASED": {"type": "CO_PURCHASED", "orientation": "UNDIRECTED", "aggregation": "SINGLE"}}}
CALL gds.graph.project($name, 'Product', $rels) YIELD graphName
RETURN graphName
