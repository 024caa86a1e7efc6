// Product-level rules {this} => {q} of a run (one item on each side), strongest lift first.
// :params {"sku": "whole milk", "run_id": "rules-demo", "limit": 50}
MATCH (p:Product {sku: $sku})<-[:IF]-(r:Rule {run: $run_id, level: 'product'})-[:THEN]->(q:Product)
WHERE size(r.antecedent) = 1 AND size(r.consequent) = 1 AND q <> p
RETURN q.sku AS sku, q.title AS title, r.id AS rule, r.antecedent AS antecedent, r.consequent AS consequent,
       r.lift AS lift, r.confidence AS confidence, r.support AS support
ORDER BY r.lift DESC, r.confidence DESC, sku
LIMIT $limit
