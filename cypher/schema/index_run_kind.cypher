// Runs by kind, for 'latest run of kind X'.
// :params {}
CREATE INDEX run_kind IF NOT EXISTS FOR (r:Run) ON (r.kind, r.started_at)
