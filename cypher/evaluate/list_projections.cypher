// Names of the GDS projections in the catalog whose name starts with a prefix.
// :params {"prefix": "relmine-eval-"}
CALL gds.graph.list() YIELD graphName
WITH graphName WHERE graphName STARTS WITH $prefix
RETURN graphName
