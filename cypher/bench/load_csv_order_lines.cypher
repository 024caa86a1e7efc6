// LOAD CSV baseline: merge products, orders and CONTAINS {qty} (quantities summed) from an order-line file; $sku, $order, $qty name its columns.
// :params {"url": "file:///bench_online_retail.csv", "batch": 20000, "order": "InvoiceNo", "sku": "StockCode", "qty": "Quantity"}
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MERGE (p:Product {sku: row[$sku]})
  MERGE (o:Order {id: row[$order]})
  MERGE (o)-[c:CONTAINS]->(p)
    ON CREATE SET c.qty = toInteger(row[$qty])
    ON MATCH SET c.qty = c.qty + toInteger(row[$qty])
} IN TRANSACTIONS OF $batch ROWS
