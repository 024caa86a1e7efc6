// The predicted relations one run wrote with their score, rank and type: for ranking each product's predictions by score.
// :params {"run_id": "train-demo"}
MATCH (a:Product)-[p:PREDICTED {run: $run_id}]->(b:Product)
RETURN a.sku AS src, b.sku AS dst, p.score AS score, p.rank AS rank, p.type AS type
