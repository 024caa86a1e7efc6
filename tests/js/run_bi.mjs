// Run every saved BI query (cypher/bi/*.cypher) with the example of its `// :params` header through the
// official Neo4j JavaScript driver, and print one JSON object: {file: {columns, rows, first}}.
// Usage: NEO4J_URI=bolt://... NEO4J_USER=neo4j NEO4J_PASSWORD=... node run_bi.mjs <cypher/bi folder> [overrides.json]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import neo4j from 'neo4j-driver';

const dir = process.argv[2];
const overrides = process.argv[3] ? JSON.parse(readFileSync(process.argv[3], 'utf8')) : {};

// JSON numbers are doubles in JavaScript; Cypher wants integers for LIMIT and slices.
function toCypher(value) {
  if (typeof value === 'number' && Number.isInteger(value)) return neo4j.int(value);
  if (Array.isArray(value)) return value.map(toCypher);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCypher(v)]));
  return value;
}

function toJson(value) {
  if (neo4j.isInt(value)) return value.toNumber();
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  if (value && typeof value === 'object' && typeof value.toString === 'function') return value.toString();
  return value;
}

const driver = neo4j.driver(process.env.NEO4J_URI,
  neo4j.auth.basic(process.env.NEO4J_USER || 'neo4j', process.env.NEO4J_PASSWORD || ''),
  { disableLosslessIntegers: false, logging: { level: 'error', logger: () => {} } });
const out = {};
let failed = 0;
try {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cypher')).sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const line = text.split('\n').find((l) => l.trim().startsWith('// :params'));
    const name = file.replace(/\.cypher$/, '');
    const params = { ...JSON.parse(line.trim().slice('// :params'.length).trim()), ...(overrides[name] || {}) };
    const session = driver.session({ defaultAccessMode: neo4j.session.READ });
    try {
      const result = await session.executeRead(async (tx) => {
        const running = tx.run(text, toCypher(params));
        const keys = await running.keys();
        const { records } = await running;
        return { keys, records };
      });
      out[name] = {
        columns: result.keys,
        rows: result.records.length,
        first: result.records.length ? toJson(result.records[0].toObject()) : null,
      };
    } catch (err) {
      failed += 1;
      out[name] = { error: String(err.code || '') + ': ' + String(err.message).split('\n')[0] };
    } finally {
      await session.close();
    }
  }
} finally {
  await driver.close();
}
console.log(JSON.stringify(out));
process.exit(failed ? 1 : 0);
