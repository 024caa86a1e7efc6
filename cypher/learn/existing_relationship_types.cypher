// Relationship types present in the database (to intersect with the learnable whitelist).
// :params {}
CALL db.relationshipTypes() YIELD relationshipType
RETURN relationshipType AS type
