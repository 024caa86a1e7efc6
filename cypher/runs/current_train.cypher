// The current training run (the one readers follow), if any: its id and whether it has a stored model.
// :params {}
MATCH (r:Run {kind: 'train'}) WHERE r.current = true
RETURN r.id AS id, EXISTS { (r)-[:HAS_MODEL]->(:Model) } AS has_model
