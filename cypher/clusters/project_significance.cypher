// Project products joined by co-purchases weighted by significance (NPMI or log-lift of the pair over the orders), keeping pairs seen in at least minCount orders with weight above minWeight; undirected.
// :params {"graph": "relmine-clusters-demo", "weighting": "npmi", "minCount": 2, "minWeight": 0.0, "concurrency": 1}
MATCH (s:Stats {id: 'global'})
WITH toFloat(s.n_orders) AS n
MATCH (a:Product)-[r:CO_PURCHASED]->(b:Product)
WHERE r.count >= $minCount AND a.order_count > 0 AND b.order_count > 0
WITH a, b, r.count / n AS pab, a.order_count / n AS pa, b.order_count / n AS pb
WITH a, b, CASE
       WHEN $weighting = 'npmi' AND pab >= 1.0 THEN 1.0
       WHEN $weighting = 'npmi' THEN log(pab / (pa * pb)) / -log(pab)
       ELSE log(pab / (pa * pb)) END AS w
WHERE w > $minWeight
WITH gds.graph.project($graph, a, b, {relationshipProperties: {weight: w}},
                       {undirectedRelationshipTypes: ['*'], readConcurrency: $concurrency}) AS g
RETURN g.graphName AS graphName, g.nodeCount AS nodeCount, g.relationshipCount AS relationshipCount
