// Create new orders (tagged with the source and its ingest nonce) and their CONTAINS lines. One row per
// order: id, other properties, time as ISO 8601 text (or null), skus, quantities (parallel lists). The time
// travels as text because the driver converts each Python datetime slowly (a third of the client's time).
// :params {"source": "3f2a…", "nonce": "9c1e…", "rows": [["536365", {"customer": "17850", "kind": "sale"}, "2010-12-01T08:26:00", ["85123A"], [6]]]}
UNWIND $rows AS row
CREATE (o:Order {id: row[0]})
SET o += row[1], o.time = localdatetime(row[2]), o.source = $source, o.ingest = $nonce
WITH o, row
UNWIND range(0, size(row[3]) - 1) AS i
MATCH (p:Product {sku: row[3][i]})
CREATE (o)-[c:CONTAINS {qty: row[4][i]}]->(p)
RETURN count(DISTINCT o) AS orders, count(c) AS lines
