// After the relation-times migration: every order source's relations carry first_seen / last_seen.
// :params {}
MATCH (s:Source)
WHERE s.kind = 'orders' AND s.relation_times IS NULL
SET s.relation_times = true
RETURN count(s) AS sources
