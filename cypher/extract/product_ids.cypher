// The element ids of every product, for a paged structural read (valid for the read that follows, not stored).
// :params {}
MATCH (p:Product)
RETURN collect(elementId(p)) AS ids
