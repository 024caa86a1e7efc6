// Remove what a write-back round of the benchmark created (every [:PREDICTED] and [:KNN_BENCH]) before the next round.
// :params {}
MATCH ()-[r:PREDICTED|KNN_BENCH]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS
