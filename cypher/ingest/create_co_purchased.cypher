// Create co-purchase pairs (lower sku -> higher sku) of a source whose first batch found no CO_PURCHASED at all; one row per lower sku with its partners, counts, weights, and the positions in $times (epoch microseconds, converted once per batch) of each pair's first and last order time (null: none).
// :params {"times": [1291192560000000, 1291199460000000], "rows": [["22423", ["85123A", "85099B"], [3, 1], [0.75, 0.5], [0, 1], [1, 1]]]}
WITH [t IN $times | localdatetime({datetime: datetime.fromepoch(
        t / 1000000 - CASE WHEN t % 1000000 < 0 THEN 1 ELSE 0 END, (t % 1000000 + 1000000) % 1000000 * 1000)})] AS times
UNWIND $rows AS row
MATCH (a:Product {sku: row[0]})
UNWIND range(0, size(row[1]) - 1) AS i
MATCH (b:Product {sku: row[1][i]})
CREATE (a)-[r:CO_PURCHASED {count: row[2][i], weight: row[3][i], first_seen: times[row[4][i]],
                            last_seen: times[row[5][i]]}]->(b)
RETURN count(r) AS pairs
