// Drop a GDS projection if it exists (no error when it does not).
// :params {"name": "relmine-triangles-demo"}
CALL gds.graph.drop($name, false) YIELD graphName
RETURN graphName
