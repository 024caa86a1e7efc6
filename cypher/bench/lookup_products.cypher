// Find each row's product by sku and write nothing: the lookups a learn/set_embeddings batch makes (a profile of the write-back).
// :params {"rows": [{"sku": "photo-0", "embedding": [0.6, 0.8]}]}
UNWIND $rows AS row
MATCH (p:Product {sku: row.sku})
RETURN count(*) AS written
