// Returned-together pairs by when they were first seen (new since T: one index seek).
// :params {}
CREATE RANGE INDEX returned_together_first_seen IF NOT EXISTS FOR ()-[r:RETURNED_TOGETHER]-() ON (r.first_seen)
