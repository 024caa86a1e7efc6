// Every run's fields that `relmine migrate` brings to the one run model (relmine/runs.py): status, metrics (JSON text), a motif run's legacy metrics_json, and its flat `metric_*` properties as [name, value] pairs.
// :params {}
MATCH (r:Run)
RETURN r.id AS id, r.kind AS kind, r.status AS status, r.metrics AS metrics, r.metrics_json AS metrics_json,
       [k IN keys(r) WHERE k STARTS WITH 'metric_' | [k, r[k]]] AS flat
ORDER BY id
