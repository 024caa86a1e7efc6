// Runs side by side (of one kind, or all with null), the newest first (finished, else last updated, else started: a run still going sorts by its latest news): status, times, the reason of a failure, params and metrics as JSON text, and every flat `metric_*` figure as [name, value] pairs with its own type (numbers stay numbers).
// :params {"kind": "rules", "limit": 10}
MATCH (r:Run)
WHERE $kind IS NULL OR r.kind = $kind
WITH r, coalesce(r.finished_at, r.updated_at, r.started_at) AS latest
ORDER BY latest DESC, r.id DESC LIMIT $limit
RETURN r.id AS run, r.kind AS kind, r.status AS status,
       toString(r.started_at) AS started_at, toString(r.finished_at) AS finished_at,
       r.error AS error, r.params AS params, r.metrics AS metrics,
       [k IN keys(r) WHERE k STARTS WITH 'metric_' | [substring(k, 7), r[k]]] AS metric_values
ORDER BY latest DESC, run DESC
