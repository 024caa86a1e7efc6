// Create CO_PURCHASED {count: 1, weight: 1.0} from each row's product to each of its targets.
// :params {"rows": [{"a": "p-000001", "b": ["p-000002", "p-000003"]}]}
UNWIND $rows AS r
MATCH (a:Product {sku: r.a})
UNWIND r.b AS t
MATCH (b:Product {sku: t})
CREATE (a)-[:CO_PURCHASED {count: 1, weight: 1.0}]->(b)
