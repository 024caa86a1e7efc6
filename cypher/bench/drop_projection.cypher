// Drop the benchmark's GDS projection if it exists.
// :params {}
CALL gds.graph.drop('bench', false) YIELD graphName
RETURN graphName
