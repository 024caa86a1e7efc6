// Project the products with their staged embeddings (p.embedding_next) into the GDS graph 'bench_knn' (no relationships: kNN compares the vectors only).
// :params {}
CALL gds.graph.project('bench_knn', {Product: {properties: 'embedding_next'}}, '*')
YIELD graphName, nodeCount
RETURN graphName, nodeCount
