// Which of these orders were NOT created by this ingest (its nonce): absent, or another source's. The
// orders its counts come from are the others. Asked this way round, the usual answer is empty, and
// the ids of a whole chunk do not come back over the wire.
// :params {"nonce": "9c1e…", "ids": ["536365", "536366"]}
UNWIND $ids AS id
OPTIONAL MATCH (o:Order {id: id})
WITH id, o
WHERE o IS NULL OR o.ingest IS NULL OR o.ingest <> $nonce
RETURN id
