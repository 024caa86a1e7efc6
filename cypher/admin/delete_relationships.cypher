// Delete every relationship, in batches that stay under the transaction memory limit (the first half of emptying a graph for tests and benchmarks).
// :params {}
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 50000 ROWS
