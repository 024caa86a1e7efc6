// Send a batch of rows and write nothing: the Bolt transfer a write-back batch costs.
// :params {"rows": [{"sku": "photo-00000", "embedding": [0.6, 0.8]}]}
UNWIND $rows AS row
RETURN count(*) AS written
