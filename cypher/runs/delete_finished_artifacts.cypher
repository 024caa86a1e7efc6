// Delete the artifacts and checkpoints of finished training runs (status done): only a running, failed or cancelled run can still be resumed or written back from them. Their (:Model) stays, for relmine evaluate --run. The graph and outputs that the current run serves now (its own, or those of the incremental refresh that last wrote into it: cur.state_run) stay too: the next incremental refresh compares the graph with them.
// :params {}
OPTIONAL MATCH (cur:Run {kind: 'train', current: true})
WITH coalesce(cur.state_run, cur.id, '') AS serving
MATCH (r:Run {kind: 'train', status: 'done'})-[:HAS_ARTIFACT|HAS_CHECKPOINT]->(a)
WHERE (a:Artifact OR a:Checkpoint) AND NOT (r.id = serving AND a:Artifact AND a.name IN ['graph', 'outputs'])
CALL (a) { DETACH DELETE a } IN TRANSACTIONS OF 10 ROWS
