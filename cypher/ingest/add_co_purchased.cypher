// Add co-purchase counts (once per unordered pair, lower sku -> higher sku) and weights Σ 1/(basket size - 1); one row per lower sku with its partners; first_seen / last_seen only move earlier / later (positions in $times, epoch microseconds; null: no time).
// :params {"times": [1291192560000000, 1291199460000000], "rows": [["22423", ["85123A", "85099B"], [3, 1], [0.75, 0.5], [0, 1], [1, 1]]]}
WITH [t IN $times | localdatetime({datetime: datetime.fromepoch(
        t / 1000000 - CASE WHEN t % 1000000 < 0 THEN 1 ELSE 0 END, (t % 1000000 + 1000000) % 1000000 * 1000)})] AS times
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
UNWIND range(0, size(row[1]) - 1) AS i
MATCH (b:Product {sku: row[1][i]})
WITH a, b, row, i, times[row[4][i]] AS first, times[row[5][i]] AS last
MERGE (a)-[r:CO_PURCHASED]->(b)
  ON CREATE SET r.count = row[2][i], r.weight = row[3][i], r.first_seen = first, r.last_seen = last
  ON MATCH SET r.count = r.count + row[2][i], r.weight = r.weight + row[3][i],
               r.first_seen = CASE WHEN first IS NULL OR first >= r.first_seen THEN r.first_seen ELSE first END,
               r.last_seen = CASE WHEN last IS NULL OR last <= r.last_seen THEN r.last_seen ELSE last END
RETURN count(r) AS pairs
