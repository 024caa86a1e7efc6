// Runs side by side (of one kind, or all with null), the newest first (finished, else last updated, else started: a run still going sorts by its latest news): status, times, the reason of a failure, params and metrics as JSON text, and every flat `metric_*` figure as [name, value] pairs with its own type (numbers stay numbers). Ingests are their (:Source) records, shown as runs of kind 'ingest' (docs/ingest.md, *Source record*): the source id, its options as params, its closing summary as metrics, rows read and rejected, duplicates and batches as figures.
// :params {"kind": "rules", "limit": 10}
CALL () {
  MATCH (r:Run)
  WHERE $kind IS NULL OR r.kind = $kind
  RETURN r.id AS run, r.kind AS kind, r.status AS status, r.started_at AS started, r.finished_at AS finished,
         coalesce(r.finished_at, r.updated_at, r.started_at) AS latest, r.error AS error, r.params AS params,
         r.metrics AS metrics, [k IN keys(r) WHERE k STARTS WITH 'metric_' | [substring(k, 7), r[k]]] AS metric_values
  UNION ALL
  MATCH (s:Source)
  WHERE $kind IS NULL OR $kind = 'ingest'
  RETURN s.id AS run, 'ingest' AS kind, s.status AS status, s.started_at AS started,
         coalesce(s.finished_at, s.failed_at) AS finished,
         coalesce(s.finished_at, s.failed_at, s.updated_at, s.started_at) AS latest,
         CASE WHEN s.status = 'failed' THEN s.error END AS error, s.options AS params, s.summary AS metrics,
         [pair IN [['file', s.file], ['source_kind', s.kind], ['rows_read', s.rows_read],
                   ['rows_rejected', s.rows_rejected], ['duplicates', s.duplicates], ['batches', s.cursor],
                   ['attempts', s.attempts]] WHERE pair[1] IS NOT NULL] AS metric_values
}
WITH run, kind, status, started, finished, latest, error, params, metrics, metric_values
ORDER BY latest DESC, run DESC LIMIT $limit
RETURN run, kind, status, toString(started) AS started_at, toString(finished) AS finished_at,
       error, params, metrics, metric_values
ORDER BY latest DESC, run DESC
