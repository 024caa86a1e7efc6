// Create new orders (tagged with the source and its ingest nonce) and their CONTAINS lines.
// :params {"source": "3f2a…", "nonce": "9c1e…", "rows": [{"id": "536365", "props": {"customer": "17850"}, "items": [["85123A", 6]]}]}
UNWIND $rows AS row
CREATE (o:Order {id: row.id})
SET o += row.props, o.source = $source, o.ingest = $nonce
WITH o, row
UNWIND row.items AS item
MATCH (p:Product {sku: item[0]})
CREATE (o)-[c:CONTAINS {qty: item[1]}]->(p)
RETURN count(DISTINCT o) AS orders, count(c) AS lines
