// The Graph Data Science library's version.
// :params {}
RETURN gds.version() AS version
