// Remove one motif kind's per-product count where it was written by another run (a batch at a time).
// :params {"run_key": "motif_co_purchase_triangle_run", "run_id": "motifs-demo", "nulls": {"motif_co_purchase_triangle": null, "motif_co_purchase_triangle_run": null}, "batch": 10000}
MATCH (p:Product)
WHERE p[$run_key] IS NOT NULL AND p[$run_key] <> $run_id
WITH p LIMIT $batch
SET p += $nulls
RETURN count(p) AS cleared
