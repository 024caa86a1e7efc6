// Project the products (with the node properties $nodes names) and one undirected relationship type (weight property, default 1.0) into a GDS graph.
// :params {"graph": "relmine-clusters-demo", "nodes": {"Product": {"label": "Product"}}, "projection": {"REL": {"type": "CO_PURCHASED", "orientation": "UNDIRECTED", "aggregation": "MAX", "properties": {"weight": {"property": "weight", "defaultValue": 1.0}}}}, "concurrency": 4}
CALL gds.graph.project($graph, $nodes, $projection, {readConcurrency: $concurrency})
YIELD graphName, nodeCount, relationshipCount
RETURN graphName, nodeCount, relationshipCount
