// Every node as its labels and its properties less the run-specific ones named in $skip (a nonce, timestamps),
// for a graph fingerprint (relmine/fingerprint.py): properties as [key, value] pairs.
// :params {"skip": ["nonce", "started_at"]}
MATCH (n)
RETURN labels(n) AS labels, [k IN keys(n) WHERE NOT k IN $skip | [k, n[k]]] AS props
