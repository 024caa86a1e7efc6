// Write product-level association rules: (:Rule)-[:IF]->(:Product) antecedents, (:Rule)-[:THEN]->(:Product) consequents.
// :params {"run_id": "rules-demo", "rows": [{"id": "rules-demo:product:a=>b", "antecedent": ["a"], "consequent": ["b"], "antecedent_support": 0.5, "consequent_support": 0.5, "support": 0.25, "confidence": 0.5, "lift": 1.0, "leverage": 0.0, "conviction": 1.0, "count": 1}]}
UNWIND $rows AS row
MERGE (r:Rule {id: row.id})
SET r.run = $run_id, r.level = 'product',
    r.antecedent = row.antecedent, r.consequent = row.consequent,
    r.antecedent_support = row.antecedent_support, r.consequent_support = row.consequent_support,
    r.support = row.support, r.confidence = row.confidence, r.lift = row.lift,
    r.leverage = row.leverage, r.conviction = row.conviction, r.count = row.count,
    r.size = size(row.antecedent) + size(row.consequent)
WITH r, row
CALL (r, row) {
  UNWIND row.antecedent AS sku
  MATCH (p:Product {sku: sku})
  MERGE (r)-[:IF]->(p)
}
CALL (r, row) {
  UNWIND row.consequent AS sku
  MATCH (p:Product {sku: sku})
  MERGE (r)-[:THEN]->(p)
}
RETURN count(r) AS rules
