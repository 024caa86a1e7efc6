// GDS kNN over the staged embeddings of 'bench_knn', its top-k per product written as (:Product)-[:KNN_BENCH {score}]->(:Product) (the [:PREDICTED] write-back baseline).
// :params {"top_k": 10}
CALL gds.knn.write('bench_knn', {nodeProperties: ['embedding_next'], topK: $top_k,
                                 writeRelationshipType: 'KNN_BENCH', writeProperty: 'score'})
YIELD relationshipsWritten, writeMillis, computeMillis
RETURN relationshipsWritten, writeMillis, computeMillis
