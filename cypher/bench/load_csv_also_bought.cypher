// LOAD CSV baseline: merge an ALSO_BOUGHT {weight: 1.0} per line of a tab-separated edge file in the import folder.
// :params {"url": "file:///bench_amazon0302.txt.gz", "batch": 20000}
LOAD CSV FROM $url AS row FIELDTERMINATOR '\t'
WITH row WHERE NOT row[0] STARTS WITH '#'
CALL (row) {
  MERGE (a:Product {sku: row[0]})
  MERGE (b:Product {sku: row[1]})
  MERGE (a)-[r:ALSO_BOUGHT]->(b)
  SET r.weight = 1.0
} IN TRANSACTIONS OF $batch ROWS
