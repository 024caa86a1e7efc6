// GDS FastRP on the projection 'bench', written back as p.fastrp (the write-back baseline).
// :params {"dim": 64}
CALL gds.fastRP.write('bench', {embeddingDimension: $dim, writeProperty: 'fastrp', randomSeed: 42})
YIELD nodePropertiesWritten, writeMillis
RETURN nodePropertiesWritten, writeMillis
