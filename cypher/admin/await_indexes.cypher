// Wait until every index is online (after `relmine init`).
// :params {}
CALL db.awaitIndexes(300)
