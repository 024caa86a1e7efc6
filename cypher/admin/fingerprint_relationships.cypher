// Every relationship as its type, the keys of its ends (sku, id or path) and its properties less those in $skip,
// for a graph fingerprint (relmine/fingerprint.py).
// :params {"skip": ["first_seen"]}
MATCH (a)-[r]->(b)
RETURN type(r) AS type, labels(a) AS a_labels, coalesce(a.sku, a.id, a.path) AS a,
       labels(b) AS b_labels, coalesce(b.sku, b.id, b.path) AS b,
       [k IN keys(r) WHERE NOT k IN $skip | [k, r[k]]] AS props
