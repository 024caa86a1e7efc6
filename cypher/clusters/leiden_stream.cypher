// Leiden communities of a projected (undirected) graph, one row per product (nodes from $offset on are virtual: attribute values, left out; null: none are) (community GDS: concurrency at most 4).
// :params {"graph": "relmine-clusters-demo", "offset": null, "config": {"concurrency": 4, "randomSeed": 42, "relationshipWeightProperty": "weight"}}
CALL gds.leiden.stream($graph, $config)
YIELD nodeId, communityId
WITH nodeId, communityId
WHERE $offset IS NULL OR nodeId < $offset
RETURN gds.util.asNode(nodeId).sku AS sku, communityId AS community
