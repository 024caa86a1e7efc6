// Recommend products for one product, each with its reasons: co-purchases (weight / its strongest), rules of the latest rules run (lift), predicted relations and embedding neighbours (exact scan) of the current training run, shared neighbours. `kind`: 'complement', 'substitute' or 'any'. Evidence carries the run it is from; the training run's vectors are p[cur.embedding_property] of that run (its staged copy while it is being switched in), never another run's.
// :params {"sku": "whole milk", "k": 10, "kind": "any"}
MATCH (p:Product {sku: $sku})
OPTIONAL MATCH (cur:Run {kind: 'train', current: true})
WITH p, cur, coalesce(cur.embedding_property, 'embedding') AS key
OPTIONAL MATCH (run:Run {kind: 'rules', status: 'done'})
WHERE EXISTS { (:Rule {run: run.id, level: 'product'}) }
WITH p, cur, key, run ORDER BY run.finished_at DESC, run.id DESC LIMIT 1
WITH p, cur, key, run.id AS rulesRun
CALL (p, rulesRun, cur, key) {
  MATCH (p)-[r:CO_PURCHASED|ALSO_BOUGHT|BOUGHT_TOGETHER]-(q:Product)
  WHERE q <> p
  WITH collect({q: q, r: r, w: coalesce(r.weight, toFloat(r.count), 1.0)}) AS links
  WITH links, reduce(m = 0.0, x IN links | CASE WHEN x.w > m THEN x.w ELSE m END) AS top
  UNWIND links AS x
  RETURN x.q AS q, 'observed' AS source, 'complement' AS kind, CASE WHEN top > 0 THEN x.w / top ELSE 0.0 END AS score,
         'bought together in ' + coalesce(toString(x.r.count), 'some') + ' orders (weight ' +
         toString(round(x.w, 3)) + ')' AS reason, null AS run
  UNION ALL
  MATCH (p)-[r:CO_VIEWED|ALSO_VIEWED]-(q:Product)
  WHERE q <> p
  RETURN q, 'observed' AS source, 'substitute' AS kind, coalesce(r.weight, 1.0) AS score,
         'viewed together (' + type(r) + ')' AS reason, null AS run
  UNION ALL
  MATCH (p)<-[:IF]-(r:Rule {level: 'product'})-[:THEN]->(q:Product)
  WHERE r.run = rulesRun AND size(r.antecedent) = 1 AND size(r.consequent) = 1 AND q <> p
  RETURN q, 'rule' AS source, 'complement' AS kind,
         CASE WHEN r.lift > 1 THEN 1.0 - 1.0 / r.lift ELSE 0.0 END AS score,
         'rule ' + reduce(s = '', x IN r.antecedent | s + CASE s WHEN '' THEN '' ELSE ' + ' END + x) + ' => ' +
         reduce(s = '', x IN r.consequent | s + CASE s WHEN '' THEN '' ELSE ' + ' END + x) +
         ' (lift ' + toString(round(r.lift, 2)) + ', confidence ' + toString(round(r.confidence, 2)) + ')' AS reason,
         rulesRun AS run
  UNION ALL
  MATCH (p)-[r:PREDICTED {run: cur.id}]-(q:Product)
  WHERE q <> p
  RETURN q, 'predicted' AS source,
         CASE WHEN toUpper(r.type) CONTAINS 'SUBST' OR toUpper(r.type) CONTAINS 'VIEW' THEN 'substitute' ELSE 'complement' END AS kind,
         CASE WHEN r.score > 1 THEN 1.0 WHEN r.score < 0 THEN 0.0 ELSE r.score END AS score,
         'predicted ' + toLower(r.type) + ' (score ' + toString(round(r.score, 2)) + ', run ' + r.run + ')' AS reason,
         r.run AS run
  UNION ALL
  MATCH (p)-[:CO_PURCHASED]-(m:Product)-[:CO_PURCHASED]-(q:Product)
  WHERE q <> p AND NOT EXISTS { (p)-[:CO_PURCHASED]-(q) }
  WITH p, q, count(DISTINCT m) AS shared, collect(DISTINCT coalesce(m.title, m.sku))[..3] AS via
  WITH q, shared, via,
       COUNT { (p)-[:CO_PURCHASED]-(:Product) } + COUNT { (q)-[:CO_PURCHASED]-(:Product) } - shared AS hood
  RETURN q, 'shared' AS source, 'substitute' AS kind, 0.5 * shared / toFloat(hood) AS score,
         'bought with the same ' + toString(shared) + ' products (e.g. ' + reduce(s = '', x IN via | s + CASE s WHEN '' THEN '' ELSE ', ' END + x) + '), never together' AS reason,
         null AS run
  UNION ALL
  MATCH (q:Product)
  WHERE p[key + '_run'] = cur.id AND q <> p AND q[key + '_run'] = cur.id AND size(q[key]) = size(p[key])
  WITH q, cur, 2 * vector.similarity.cosine(p[key], q[key]) - 1 AS cosine
  ORDER BY cosine DESC LIMIT 50
  RETURN q, 'embedding' AS source, 'substitute' AS kind, CASE WHEN cosine > 0 THEN cosine ELSE 0.0 END AS score,
         'close in embedding space (cosine ' + toString(round(cosine, 2)) + ', run ' + cur.id + ')' AS reason,
         cur.id AS run
}
WITH q, source, kind, score, reason, run
WHERE $kind = 'any' OR kind = $kind
ORDER BY score DESC
WITH q, sum(score) AS score, collect(reason) AS reasons,
     collect({source: source, kind: kind, score: score, run: run}) AS evidence
RETURN q.sku AS sku, q.title AS title, score, reasons, evidence
ORDER BY score DESC, sku
LIMIT $k
