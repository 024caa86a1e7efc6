// Delete up to 20,000 nodes with their relationships; returns how many went (run until 0).
// :params {}
MATCH (n)
WITH n LIMIT 20000
DETACH DELETE n
RETURN count(*) AS n
