// Find each grouped row's source and target products and write nothing: the lookups a learn/create_predicted batch makes (a profile of the write-back).
// :params {"rows": [{"src": "photo-0", "dst": ["photo-1"], "type": [0], "score": [0.9], "rank": [1]}]}
UNWIND $rows AS row
MATCH (a:Product {sku: row.src})
UNWIND range(0, size(row.dst) - 1) AS i
MATCH (b:Product {sku: row.dst[i]})
RETURN count(*) AS written
