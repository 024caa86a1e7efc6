// Which of these order ids are already in the graph (from any source).
// :params {"ids": ["536365", "536366"]}
UNWIND $ids AS id
MATCH (o:Order {id: id})
RETURN o.id AS id
