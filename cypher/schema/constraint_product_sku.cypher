// Unique product SKU: the key of every (:Product).
// :params {}
CREATE CONSTRAINT product_sku IF NOT EXISTS FOR (p:Product) REQUIRE p.sku IS UNIQUE
