"""Order ingest against ``LOAD CSV … CALL { } IN TRANSACTIONS`` building the same graph (issue 13 item 7).

Used by ``python bench/ingest.py --orders-bench``. Both contenders start from an empty database
(schema applied) and end with the same ``(:Order {id})-[:CONTAINS {qty}]->(:Product {sku})`` lines,
``CO_PURCHASED {count}`` once per unordered pair (lower sku -> higher) over the file's orders, and
``p.order_count``; the counts are compared after each run (``same_graph``).

* relmine: ``ingest_file(kind=orders)`` end to end (checksum, parse, validate, service-line and
  return rules — the files here have none flagged — client-side pair counting with numpy, claimed
  batches);
* LOAD CSV, server side, three statements: (1) ``LOAD CSV WITH HEADERS … CALL (row) { MERGE product,
  MERGE order, MERGE CONTAINS (qty summed) } IN TRANSACTIONS``; (2) ``CO_PURCHASED`` in one of the two forms
  below; (3) ``p.order_count``.

Two forms of the pairs statement (``--pairs-form``); ``counted`` has been the faster on both files:

* ``counted`` (default): pairs counted server side first, then one ``MERGE`` per pair. The pairs go
  into the inner transactions as skus, not nodes: with nodes carried over, Neo4j 5.26 failed the
  statement with ``Neo.TransientError.Transaction.Outdated`` (the outer read saw the inner writes).
  Slow where orders are large (Online Retail, 100k lines, 1.8M pairs: 304 s for the pairs).
* ``per-order``: ``MATCH (o:Order) CALL (o) { its pairs, MERGE, count + 1 } IN TRANSACTIONS``, the
  earlier form. On Online Retail it did not finish (405k of 2.05M pairs after ~6 min); on the generated
  file it was erratic: 126 s for 3,224 orders on one run and 2 s on the next, 4,602 s for 100k lines
  with 50M page hits per 1,000-order transaction, though the same plan on the same orders outside
  ``IN TRANSACTIONS`` took a second.
"""

from __future__ import annotations

import gzip
import shutil
import time
from pathlib import Path

LOAD_LINES = """
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MERGE (p:Product {sku: row[$sku]})
  MERGE (o:Order {id: row[$order]})
  MERGE (o)-[c:CONTAINS]->(p)
    ON CREATE SET c.qty = toInteger(row[$qty])
    ON MATCH SET c.qty = c.qty + toInteger(row[$qty])
} IN TRANSACTIONS OF $batch ROWS
"""
LOAD_PAIRS = """
MATCH (o:Order)-[:CONTAINS]->(a:Product), (o)-[:CONTAINS]->(b:Product)
WHERE a.sku < b.sku
WITH a.sku AS x, b.sku AS y, count(o) AS n
CALL (x, y, n) {
  MATCH (a:Product {sku: x}), (b:Product {sku: y})
  MERGE (a)-[r:CO_PURCHASED]->(b)
    ON CREATE SET r.count = n
    ON MATCH SET r.count = r.count + n
} IN TRANSACTIONS OF $pairs ROWS
"""
LOAD_PAIRS_PER_ORDER = """
MATCH (o:Order)
CALL (o) {
  MATCH (o)-[:CONTAINS]->(a:Product), (o)-[:CONTAINS]->(b:Product)
  WHERE a.sku < b.sku
  MERGE (a)-[r:CO_PURCHASED]->(b)
    ON CREATE SET r.count = 1
    ON MATCH SET r.count = r.count + 1
} IN TRANSACTIONS OF $pairs ROWS
"""
PAIRS_FORMS = {"counted": (LOAD_PAIRS, lambda batch: batch),
               "per-order": (LOAD_PAIRS_PER_ORDER, lambda batch: max(batch // 20, 100))}
LOAD_COUNTS = """
MATCH (p:Product)
CALL (p) { SET p.order_count = COUNT { (p)<-[:CONTAINS]-(:Order) } } IN TRANSACTIONS OF 10000 ROWS
"""
GRAPH = """
CALL () { MATCH (o:Order) RETURN count(o) AS orders }
CALL () { MATCH ()-[c:CONTAINS]->() RETURN count(c) AS lines, sum(c.qty) AS qty }
CALL () { MATCH ()-[r:CO_PURCHASED]->() RETURN count(r) AS pairs, sum(r.count) AS pair_count }
CALL () { MATCH (p:Product) RETURN count(p) AS products, sum(p.order_count) AS order_count }
RETURN orders, lines, qty, pairs, pair_count, products, order_count
"""


def graph(gw) -> dict:
    from relmine.gateway import Statement

    return gw.read_one(Statement(GRAPH, "bench_orders_graph"))


def run_relmine(gw, path: Path, batch: int, home: Path) -> tuple[float, dict]:
    from relmine.ingest import IngestOptions, ingest_file

    t0 = time.perf_counter()
    report = ingest_file(gw, path, IngestOptions(kind="orders", batch_size=batch, progress=False,
                                                 keep_service_lines=True),  # LOAD CSV keeps every line
                         rejects_dir=home / "rejects")
    return time.perf_counter() - t0, report.as_dict()


def run_load_csv(gw, url: str, batch: int, columns: dict[str, str],
                 pairs_form: str = "counted") -> tuple[float, dict[str, float]]:
    """Seconds in all, and per statement (``lines``, ``pairs``, ``counts``). ``pairs_form``: a key of
    ``PAIRS_FORMS`` (``per-order`` is the earlier, sometimes pathological form)."""
    import neo4j

    pairs_text, pairs_rows = PAIRS_FORMS[pairs_form]
    steps = (("lines", LOAD_LINES, {"url": url, "batch": batch, **columns}),
             ("pairs", pairs_text, {"pairs": pairs_rows(batch)}),
             ("counts", LOAD_COUNTS, {}))
    seconds: dict[str, float] = {}
    with gw._driver.session(database=gw.database) as session:  # noqa: SLF001 (IN TRANSACTIONS: auto-commit)
        for name, text, params in steps:
            t0 = time.perf_counter()
            session.run(neo4j.Query(text), **params).consume()
            seconds[name] = round(time.perf_counter() - t0, 1)
    return sum(seconds.values()), seconds


def place(src: Path, import_dir: Path, name: str, max_lines: int | None = None) -> Path:
    """``src`` (its header and first ``max_lines`` lines, or all) copied plain into the server's import
    folder: the one file both contenders read. Cut at an order boundary (orders are contiguous)."""
    dst = import_dir / name
    opener = gzip.open if src.suffix == ".gz" else open
    with opener(src, "rb") as fin, open(dst, "wb") as fout:
        if max_lines is None:
            shutil.copyfileobj(fin, fout, 1 << 20)
            return dst
        fout.write(fin.readline())
        last = None
        for n, line in enumerate(fin):
            key = line.split(b",", 1)[0]
            if n >= max_lines and key != last:
                break
            last = key
            fout.write(line)
    return dst
