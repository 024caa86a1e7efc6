// FastRP vectors of a projected graph of products, one row per product (zero vectors for products without relationships or features).
// :params {"graph": "relmine-clusters-demo", "config": {"embeddingDimension": 128, "iterationWeights": [0.0, 1.0, 1.0], "normalizationStrength": -0.5, "randomSeed": 42, "concurrency": 1}}
CALL gds.fastRP.stream($graph, $config)
YIELD nodeId, embedding
RETURN gds.util.asNode(nodeId).sku AS sku, embedding
