// Delete the artifacts and checkpoints of finished training runs (status done): only a running, failed or cancelled run can still be resumed or written back from them. Their (:Model) stays, for relmine evaluate --run.
// :params {}
MATCH (r:Run {kind: 'train', status: 'done'})-[:HAS_ARTIFACT|HAS_CHECKPOINT]->(a)
WHERE a:Artifact OR a:Checkpoint
CALL (a) { DETACH DELETE a } IN TRANSACTIONS OF 10 ROWS
