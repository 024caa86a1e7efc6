// How many products carry a feature property (a list, for FastRP's featureProperties), of all products; the property name is a value, never spliced in.
// :params {"property": "features"}
MATCH (p:Product)
RETURN count(p) AS total, count(CASE WHEN valueType(p[$property]) STARTS WITH 'LIST' THEN 1 END) AS products
