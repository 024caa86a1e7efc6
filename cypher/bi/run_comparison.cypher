// Runs side by side (of one kind, or all with null): status, times, params and metrics as JSON text, and every flat `metric_*` value as [name, value] pairs.
// :params {"kind": "rules", "limit": 10}
MATCH (r:Run)
WHERE $kind IS NULL OR r.kind = $kind
WITH r ORDER BY r.finished_at DESC, r.id DESC LIMIT $limit
RETURN r.id AS run, r.kind AS kind, r.status AS status,
       toString(r.started_at) AS started_at, toString(r.finished_at) AS finished_at,
       r.params AS params, r.metrics AS metrics,
       [k IN keys(r) WHERE k STARTS WITH 'metric_' | [substring(k, 7), toString(r[k])]] AS metric_values
ORDER BY finished_at DESC, run DESC
