// Observed relations leaving a set of products, as columns (one record: far fewer Bolt messages than one per edge).
// weight: r.weight, else r.count, else 1; count: r.count, -1 without one (collect skips nulls; the filter
// reads -1 as "no count" and its min count exempts that relation: nothing to filter it by); first_seen:
// r.first_seen (a local date-time, read as UTC) in epoch microseconds, -1 without one (the time holdout's clock).
// :params {"skus": ["A"], "types": ["CO_PURCHASED"]}
UNWIND $skus AS s
MATCH (a:Product {sku: s})-[r]->(b:Product)
WHERE type(r) IN $types
RETURN collect(a.sku) AS src, collect(b.sku) AS dst, collect(type(r)) AS type,
       collect(coalesce(r.weight, r.count, 1.0)) AS weight, collect(coalesce(r.count, -1)) AS count,
       collect(CASE WHEN r.first_seen IS NULL THEN -1
                    ELSE datetime({datetime: r.first_seen, timezone: 'UTC'}).epochMillis * 1000 END) AS first_seen
