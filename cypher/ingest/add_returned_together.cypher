// Add the number of return orders in which both products came back (lower sku -> higher sku); first_seen / last_seen only move earlier / later (positions in $times, epoch microseconds; null: no time).
// :params {"times": [1291192560000000], "rows": [["22423", "85123A", 1, 1.0, 0, 0]]}
WITH [t IN $times | localdatetime({datetime: datetime.fromepoch(
        t / 1000000 - CASE WHEN t % 1000000 < 0 THEN 1 ELSE 0 END, (t % 1000000 + 1000000) % 1000000 * 1000)})] AS times
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
MATCH (b:Product {sku: row[1]})
WITH a, b, row, times[row[4]] AS first, times[row[5]] AS last
MERGE (a)-[r:RETURNED_TOGETHER]->(b)
  ON CREATE SET r.count = row[2], r.first_seen = first, r.last_seen = last
  ON MATCH SET r.count = r.count + row[2],
               r.first_seen = CASE WHEN first IS NULL OR first >= r.first_seen THEN r.first_seen ELSE first END,
               r.last_seen = CASE WHEN last IS NULL OR last <= r.last_seen THEN r.last_seen ELSE last END
RETURN count(r) AS pairs
