// Merge typed relations that carry a time (an edge file's date column), one row per source product with its targets, weights and the positions in $times (epoch microseconds) of each relation's first and last seen; first_seen / last_seen only move earlier / later. __TYPE__ is a validated name.
// :params {"times": [1291192560000000], "rows": [["B001", ["B002", "B003"], [1.0, 0.5], [0, null], [0, null]]]}
WITH [t IN $times | localdatetime({datetime: datetime.fromepoch(
        t / 1000000 - CASE WHEN t % 1000000 < 0 THEN 1 ELSE 0 END, (t % 1000000 + 1000000) % 1000000 * 1000)})] AS times
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
UNWIND range(0, size(row[1]) - 1) AS i
MATCH (b:Product {sku: row[1][i]})
WITH a, b, row, i, times[row[3][i]] AS first, times[row[4][i]] AS last
MERGE (a)-[r:__TYPE__]->(b)
SET r.weight = row[2][i],
    r.first_seen = CASE WHEN first IS NULL OR first >= r.first_seen THEN r.first_seen ELSE first END,
    r.last_seen = CASE WHEN last IS NULL OR last <= r.last_seen THEN r.last_seen ELSE last END
RETURN count(r) AS relationships
