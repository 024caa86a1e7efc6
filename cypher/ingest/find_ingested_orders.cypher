// Which of these orders were created by this ingest (its nonce): the orders its counts come from.
// :params {"nonce": "9c1e…", "ids": ["536365", "536366"]}
UNWIND $ids AS id
MATCH (o:Order {id: id})
WHERE o.ingest = $nonce
RETURN o.id AS id
