// Drop a GDS graph projection if it exists.
// :params {"graph": "relmine-clusters-demo"}
CALL gds.graph.drop($graph, false) YIELD graphName
RETURN graphName
