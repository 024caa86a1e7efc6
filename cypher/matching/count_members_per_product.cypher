// Count motif instances per product, one row per product: a library statement (cypher/motifs/) takes the place of the CALL's stand-in line.
// :params {}
CALL () {
  RETURN [] AS members  // stand-in
}
UNWIND range(0, size(members) - 1) AS i
WITH members[i] AS sku, i = 0 AS first
RETURN sku, count(*) AS n, sum(CASE WHEN first THEN 1 ELSE 0 END) AS starts
