// Project an undirected graph given as parallel lists of integer node ids (a target of -1: an isolated node), without reading or writing the database.
// :params {"graph": "relmine-eval-demo", "src": [0, 1, 2, 3], "dst": [1, 2, 0, -1]}
UNWIND range(0, size($src) - 1) AS i
WITH $src[i] AS source, CASE WHEN $dst[i] < 0 THEN null ELSE $dst[i] END AS target
WITH gds.graph.project($graph, source, target, {}, {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodeCount, g.relationshipCount AS relationshipCount
