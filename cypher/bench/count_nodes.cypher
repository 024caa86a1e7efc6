// Count every node (the benchmarks refuse a database that holds data unless told to wipe it).
// :params {}
MATCH (n)
RETURN count(n) AS n
