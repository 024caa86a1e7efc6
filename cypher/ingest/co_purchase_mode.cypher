// Decide, in a source's first co-purchase batch, whether its pairs may be CREATEd (no CO_PURCHASED existed) or must be MERGEd; later batches read the decision.
// :params {"source_id": "3f2a…"}
MATCH (s:Source {id: $source_id})
SET s.co_purchase_mode = coalesce(s.co_purchase_mode,
                                  CASE WHEN EXISTS { ()-[:CO_PURCHASED]->() } THEN 'merge' ELSE 'create' END)
RETURN s.co_purchase_mode AS mode
