// Project products joined by co-purchases (weighted as project_significance does for $weighting npmi or lift, or by the stored weight of $type relationships for count, the larger of a pair's two directions as the native projection's MAX aggregation takes it) plus the products' catalogue attributes as virtual nodes: one per value of each property named in $attributes that two or more products share, linked to each of them with weight $attributeWeight. Products go in as nodes (GDS keys them by internal id); the virtual ones are numbered from the returned offset, 2^60, far above the internal ids of the store formats (record: below 2^35, high_limit: below 2^50), so no id() is needed to place them.
// :params {"graph": "relmine-clusters-demo", "weighting": "npmi", "type": "CO_PURCHASED", "minCount": 1, "attributes": ["brand"], "attributeWeight": 30.0, "concurrency": 1}
WITH 1152921504606846976 AS offset
CALL (offset) {
  MATCH (s:Stats {id: 'global'})
  WHERE $weighting IN ['npmi', 'lift']
  WITH toFloat(s.n_orders) AS n
  MATCH (a:Product)-[r:CO_PURCHASED]->(b:Product)
  WHERE r.count >= $minCount AND a.order_count > 0 AND b.order_count > 0
  WITH a, b, r.count / n AS pab, a.order_count / n AS pa, b.order_count / n AS pb
  WITH a, b, CASE
         WHEN $weighting = 'npmi' AND pab >= 1.0 THEN 1.0
         WHEN $weighting = 'npmi' THEN log(pab / (pa * pb)) / -log(pab)
         ELSE log(pab / (pa * pb)) END AS w
  WHERE w > 0.0
  RETURN a AS source, b AS target, w AS weight
  UNION ALL
  MATCH (a:Product)-[r]->(b:Product)
  WHERE $weighting = 'count' AND type(r) = $type AND a <> b
  WITH CASE WHEN elementId(a) < elementId(b) THEN [a, b] ELSE [b, a] END AS pair,
       max(coalesce(toFloat(r.weight), 1.0)) AS w
  RETURN pair[0] AS source, pair[1] AS target, w AS weight
  UNION ALL
  UNWIND range(0, size($attributes) - 1) AS i
  MATCH (p:Product)
  WITH offset, i, toStringOrNull(p[$attributes[i]]) AS value, p AS member
  WHERE value IS NOT NULL AND trim(value) <> ''
  WITH offset, i, value, collect(member) AS members
  WHERE size(members) > 1
  WITH offset, collect(members) AS groups
  UNWIND range(0, size(groups) - 1) AS h
  UNWIND groups[h] AS member
  RETURN member AS source, offset + h AS target, toFloat($attributeWeight) AS weight
}
WITH offset, gds.graph.project($graph, source, target, {relationshipProperties: {weight: weight}},
                               {undirectedRelationshipTypes: ['*'], readConcurrency: $concurrency}) AS g
RETURN g.graphName AS graphName, g.nodeCount AS nodeCount, g.relationshipCount AS relationshipCount,
       offset
