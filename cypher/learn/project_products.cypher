// Project products and the given observed relation types (undirected) for partitioning.
// :params {"graph": "relmine-partition-demo", "relationships": {"CO_PURCHASED": {"orientation": "UNDIRECTED"}}}
CALL gds.graph.project($graph, 'Product', $relationships)
YIELD graphName, nodeCount, relationshipCount
RETURN graphName, nodeCount, relationshipCount
