// How many relationships of a type join two products, and whether any carries a `weight` (the type is a value, never spliced into the text).
// :params {"type": "CO_PURCHASED"}
CALL db.relationshipTypes() YIELD relationshipType
WITH collect(relationshipType) AS types
CALL db.propertyKeys() YIELD propertyKey
WITH types, collect(propertyKey) AS keys
RETURN $type IN types AS present,
       COUNT { MATCH (:Product)-[r]->(:Product) WHERE type(r) = $type } AS relationships,
       'weight' IN keys AS weight_key
