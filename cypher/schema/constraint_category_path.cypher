// Unique category path ("Electronics > Camera > Lenses").
// :params {}
CREATE CONSTRAINT category_path IF NOT EXISTS FOR (c:Category) REQUIRE c.path IS UNIQUE
