// Project the products (with the node properties $nodes names) and one undirected relationship type, without weights (when no relationship carries `weight`).
// :params {"graph": "relmine-clusters-demo", "nodes": {"Product": {"label": "Product"}}, "projection": {"REL": {"type": "CO_PURCHASED", "orientation": "UNDIRECTED", "aggregation": "SINGLE"}}, "concurrency": 4}
CALL gds.graph.project($graph, $nodes, $projection, {readConcurrency: $concurrency})
YIELD graphName, nodeCount, relationshipCount
RETURN graphName, nodeCount, relationshipCount
