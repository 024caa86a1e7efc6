// Motif instances of one kind and run with their member products (idempotent: keyed by motif id).
// :params {"kind": "co_purchase_triangle", "run_id": "motifs-demo", "rows": [{"id": "motifs-demo:co_purchase_triangle:5be1f0c2a3d4e5f6", "members": ["p1", "p2", "p3"], "roles": ["corner", "corner", "corner"]}]}
UNWIND $rows AS row
MERGE (m:Motif {id: row.id})
SET m.kind = $kind, m.run = $run_id, m.size = size(row.members), m.members = row.members
WITH m, row
UNWIND range(0, size(row.members) - 1) AS i
MATCH (p:Product {sku: row.members[i]})
MERGE (m)-[h:HAS_MEMBER]->(p)
SET h.role = row.roles[i], h.position = i
RETURN count(DISTINCT m) AS motifs, count(h) AS memberships
