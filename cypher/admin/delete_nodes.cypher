// Delete every node, in batches; run after admin/delete_relationships, so no batch carries a dense node's relationships.
// :params {}
MATCH (n)
CALL (n) { DELETE n } IN TRANSACTIONS OF 50000 ROWS
