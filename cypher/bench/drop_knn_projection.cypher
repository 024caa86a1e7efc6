// Drop the benchmark's kNN projection if it exists.
// :params {}
CALL gds.graph.drop('bench_knn', false) YIELD graphName
RETURN graphName
