// Louvain communities of a projected graph, one row per product (community GDS: concurrency at most 4).
// :params {"graph": "relmine-clusters-demo", "config": {"concurrency": 4, "relationshipWeightProperty": "weight"}}
CALL gds.louvain.stream($graph, $config)
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).sku AS sku, communityId AS community
