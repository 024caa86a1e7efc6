// Co-purchase pairs by when they were first seen: "pairs new since T" is one index seek (cypher/ingest/co_purchased_since.cypher).
// :params {}
CREATE RANGE INDEX co_purchased_first_seen IF NOT EXISTS FOR ()-[r:CO_PURCHASED]-() ON (r.first_seen)
