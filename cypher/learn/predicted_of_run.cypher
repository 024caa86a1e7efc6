// The predicted relations one run wrote, as (source sku, target sku, rank): for measuring them.
// :params {"run_id": "train-demo"}
MATCH (a:Product)-[p:PREDICTED {run: $run_id}]->(b:Product)
RETURN a.sku AS src, b.sku AS dst, p.rank AS rank
