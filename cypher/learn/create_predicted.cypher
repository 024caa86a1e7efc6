// Write predicted relations of a run, grouped by source product: (a)-[:PREDICTED]->(b) means b is among a's top-k.
// One row per source: its targets best first, each target's relation type as an index into $types (its kind at
// the same index of $kinds). CREATE, not MERGE: a run's relations are new, and a partition written again after a
// crash first deletes what it wrote (learn/delete_partition_predicted), so no pair is written twice.
// :params {"run_id": "train-demo", "types": ["CO_PURCHASED"], "kinds": ["complement"], "rows": [{"src": "A", "dst": ["B"], "type": [0], "score": [0.93], "rank": [1]}]}
UNWIND $rows AS row
MATCH (a:Product {sku: row.src})
UNWIND range(0, size(row.dst) - 1) AS i
MATCH (b:Product {sku: row.dst[i]})
CREATE (a)-[:PREDICTED {run: $run_id, type: $types[row.type[i]], kind: $kinds[row.type[i]], score: row.score[i],
                        rank: row.rank[i]}]->(b)
RETURN count(*) AS written
