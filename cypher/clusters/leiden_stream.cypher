// Leiden communities of a projected (undirected) graph, one row per product (community GDS: concurrency at most 4).
// :params {"graph": "relmine-clusters-demo", "config": {"concurrency": 4, "randomSeed": 42, "relationshipWeightProperty": "weight"}}
CALL gds.leiden.stream($graph, $config)
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).sku AS sku, communityId AS community
