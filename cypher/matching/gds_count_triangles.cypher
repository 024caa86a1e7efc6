// The number of triangles in a GDS projection (GDS triangleCount, stats mode: nothing written).
// :params {"name": "relmine-triangles-demo"}
CALL gds.triangleCount.stats($name) YIELD globalTriangleCount
RETURN globalTriangleCount AS n
