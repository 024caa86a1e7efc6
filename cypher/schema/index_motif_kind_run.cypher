// Motif instances by kind and run (BI: the motifs of one run).
// :params {}
CREATE INDEX motif_kind_run IF NOT EXISTS FOR (m:Motif) ON (m.kind, m.run)
