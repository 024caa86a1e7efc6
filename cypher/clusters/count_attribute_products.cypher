// How many products carry each named attribute as text or a number (a list does not count), in the order of $attributes; the names are values, never spliced in.
// :params {"attributes": ["brand"]}
UNWIND range(0, size($attributes) - 1) AS i
CALL (i) {
  MATCH (p:Product)
  WHERE toStringOrNull(p[$attributes[i]]) IS NOT NULL
  RETURN count(p) AS n
}
WITH i, n ORDER BY i
RETURN collect(n) AS products
