// Drop a GDS projection if it exists.
// :params {"graph": "relmine-partition-demo"}
CALL gds.graph.drop($graph, false) YIELD graphName
RETURN graphName
