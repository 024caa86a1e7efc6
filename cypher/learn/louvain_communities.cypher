// Louvain communities of the projected product graph (sku, community).
// :params {"graph": "relmine-partition-demo", "concurrency": 2}
CALL gds.louvain.stream($graph, {concurrency: $concurrency, maxLevels: 10})
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).sku AS sku, communityId AS community
