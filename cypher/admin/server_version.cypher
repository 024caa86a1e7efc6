// The Neo4j server's version (the kernel component's first version string).
// :params {}
CALL dbms.components() YIELD name, versions
RETURN versions[0] AS v
