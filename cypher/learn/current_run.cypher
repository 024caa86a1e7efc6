// The current training run, the one readers follow, and the product property that holds its vectors now ('embedding', or 'embedding_next' while they are copied there; the vector index over it is 'product_' + property); no row when no run is current.
// :params {}
MATCH (cur:Run {kind: 'train', current: true})
RETURN cur.id AS run, coalesce(cur.embedding_property, 'embedding') AS property
