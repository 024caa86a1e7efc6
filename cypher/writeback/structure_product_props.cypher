// Set computed structure properties on products (motif counts, WL hashes), one map per product.
// :params {"rows": [{"sku": "p1", "props": {"wl_hash_k1": "3f2a...", "motif_co_purchase_triangle": 4}}]}
UNWIND $rows AS row
MATCH (p:Product {sku: row.sku})
SET p += row.props
RETURN count(p) AS products
