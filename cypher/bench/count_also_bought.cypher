// Products and ALSO_BOUGHT relations (what each ingest contender built).
// :params {}
CALL () { MATCH (p:Product) RETURN count(p) AS products }
CALL () { MATCH ()-[r:ALSO_BOUGHT]->() RETURN count(r) AS relations }
RETURN products, relations
