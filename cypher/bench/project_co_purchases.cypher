// Project the products and undirected CO_PURCHASED into the GDS graph 'bench'.
// :params {}
CALL gds.graph.project('bench', 'Product', {CO_PURCHASED: {orientation: 'UNDIRECTED'}})
YIELD graphName
RETURN graphName
