// Co-purchase pairs first seen at or after $since (ISO 8601 local time, as order times are stored): one seek of the RANGE index co_purchased_first_seen
// (hinted: on a small graph the planner may otherwise scan the index and filter).
// :params {"since": "2011-09-01T00:00:00", "limit": 100000}
MATCH (a:Product)-[r:CO_PURCHASED]->(b:Product)
USING INDEX r:CO_PURCHASED(first_seen)
WHERE r.first_seen >= localdatetime($since)
RETURN a.sku AS a, b.sku AS b, r.count AS count, r.first_seen AS first_seen, r.last_seen AS last_seen
ORDER BY first_seen
LIMIT $limit
