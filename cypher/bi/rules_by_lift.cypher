// Association rules by lift (items named "title (sku)", or the sku or category path alone), of the latest rules run holding rules of that level unless `run_id` is given; level 'product', 'category' or null for both.
// :params {"run_id": null, "level": "product", "minConfidence": 0.0, "limit": 25}
OPTIONAL MATCH (latest:Run {kind: 'rules', status: 'done'})
WHERE $level IS NULL OR EXISTS { (:Rule {run: latest.id, level: $level}) }
WITH latest ORDER BY latest.finished_at DESC, latest.id DESC LIMIT 1
WITH coalesce($run_id, latest.id) AS run
MATCH (r:Rule {run: run})
WHERE ($level IS NULL OR r.level = $level) AND r.confidence >= $minConfidence
RETURN r.run AS run, r.level AS level,
       r.antecedent AS antecedent, r.consequent AS consequent,
       [(r)-[:IF]->(x) | CASE WHEN x.sku IS NULL THEN x.path
                              WHEN x.title IS NULL OR trim(x.title) = '' OR x.title = x.sku THEN x.sku
                              ELSE x.title + ' (' + x.sku + ')' END] AS if_names,
       [(r)-[:THEN]->(x) | CASE WHEN x.sku IS NULL THEN x.path
                                WHEN x.title IS NULL OR trim(x.title) = '' OR x.title = x.sku THEN x.sku
                                ELSE x.title + ' (' + x.sku + ')' END] AS then_names,
       r.support AS support, r.confidence AS confidence, r.lift AS lift,
       r.leverage AS leverage, r.conviction AS conviction, r.count AS orders
ORDER BY lift DESC, confidence DESC, r.id
LIMIT $limit
