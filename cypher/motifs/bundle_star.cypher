// Bundle stars: a hub product co-purchased (weight >= min_weight) with at least min_leaves products of other categories; leaves by weight, at most max_leaves.
// :params {"min_weight": 0, "min_leaves": 3, "max_leaves": 10, "limit": 5000000}
MATCH (h:Product)
CALL (h) {
  MATCH (h)-[r:CO_PURCHASED]-(x:Product)
  WHERE x <> h AND x.category <> h.category AND coalesce(r.weight, 1) >= $min_weight
  WITH x, max(coalesce(r.weight, 1)) AS w
  ORDER BY w DESC, x.sku
  RETURN collect(x.sku) AS leaves
}
WITH h, leaves
WHERE size(leaves) >= $min_leaves
WITH h, leaves[..$max_leaves] AS leaves
RETURN [h.sku] + leaves AS members, ['hub'] + [l IN leaves | 'leaf'] AS roles
LIMIT $limit
