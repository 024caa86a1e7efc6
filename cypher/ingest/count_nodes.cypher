// How many nodes the graph holds (from the count store: cheap at any size); `ingest --bulk` needs none.
// :params {}
MATCH (n)
RETURN count(n) AS nodes
