// Co-purchase pairs first seen at or after $since (ISO 8601 local time, as order times are stored): one seek of the RANGE index co_purchased_first_seen
// (hinted as a seek: on a small graph the planner otherwise may scan the index and filter, even when hinted to use it).
// :params {"since": "2011-09-01T00:00:00", "limit": 100000}
MATCH (a:Product)-[r:CO_PURCHASED]->(b:Product)
USING INDEX SEEK r:CO_PURCHASED(first_seen)
WHERE r.first_seen >= localdatetime($since)
RETURN a.sku AS a, b.sku AS b, r.count AS count, r.first_seen AS first_seen, r.last_seen AS last_seen
ORDER BY first_seen
LIMIT $limit
