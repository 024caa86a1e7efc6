// Relation-times migration: set first_seen / last_seen of existing RETURNED_TOGETHER pairs from their orders (only earlier / later than what they hold, so running it again changes nothing); one row per lower sku with its partners and the positions in $times (epoch microseconds). Creates nothing.
// :params {"times": [1291192560000000, 1291199460000000], "rows": [["22423", ["85123A", "85099B"], [0, 1], [1, 1]]]}
WITH [t IN $times | localdatetime({datetime: datetime.fromepoch(
        t / 1000000 - CASE WHEN t % 1000000 < 0 THEN 1 ELSE 0 END, (t % 1000000 + 1000000) % 1000000 * 1000)})] AS times
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
UNWIND range(0, size(row[1]) - 1) AS i
MATCH (b:Product {sku: row[1][i]})
MATCH (a)-[r:RETURNED_TOGETHER]->(b)
WITH r, times[row[2][i]] AS first, times[row[3][i]] AS last
WHERE (first IS NOT NULL AND (r.first_seen IS NULL OR first < r.first_seen))
   OR (last IS NOT NULL AND (r.last_seen IS NULL OR last > r.last_seen))
SET r.first_seen = CASE WHEN first IS NULL OR first >= r.first_seen THEN r.first_seen ELSE first END,
    r.last_seen = CASE WHEN last IS NULL OR last <= r.last_seen THEN r.last_seen ELSE last END
RETURN count(r) AS changed
