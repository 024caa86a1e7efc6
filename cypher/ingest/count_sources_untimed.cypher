// Order sources ingested before relations carried first_seen / last_seen (`relmine migrate` fills them in).
// :params {}
MATCH (s:Source)
WHERE s.kind = 'orders' AND s.relation_times IS NULL
RETURN count(s) AS sources
