// FastRP embeddings of a projected graph, one row per node id (the integer ids it was projected with).
// :params {"graph": "relmine-eval-demo", "config": {"embeddingDimension": 64, "iterationWeights": [0.0, 1.0, 1.0], "normalizationStrength": 0.0, "randomSeed": 42, "concurrency": 1}}
CALL gds.fastRP.stream($graph, $config)
YIELD nodeId, embedding
RETURN nodeId, embedding
