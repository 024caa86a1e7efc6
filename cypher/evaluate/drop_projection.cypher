// Drop a GDS projection if it exists (no error when it does not).
// :params {"graph": "relmine-eval-demo"}
CALL gds.graph.drop($graph, false) YIELD graphName
RETURN graphName
