"""Order ingest against ``LOAD CSV … CALL { } IN TRANSACTIONS`` building the same graph (issue 13 item 7).

Used by ``python bench/ingest.py --orders-bench``. Both contenders start from an empty database
(schema applied) and end with the same ``(:Order {id})-[:CONTAINS {qty}]->(:Product {sku})`` lines,
``CO_PURCHASED {count}`` once per unordered pair (lower sku -> higher) over the file's orders, and
``p.order_count``; the counts are compared after each run (``same_graph``).

* relmine: a ``relmine ingest orders FILE --keep-service-lines`` process (the defaults otherwise:
  checksum, parse, validate, return rules, chunked grouping, client-side pair counting with numpy,
  claimed batches); service lines are kept because LOAD CSV keeps every line;
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
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# the statements of the LOAD CSV contender (cypher/bench/)
LOAD_LINES = "bench/load_csv_order_lines"
PAIRS_FORMS = {"counted": ("bench/load_csv_pairs_counted", lambda batch: batch),
               "per-order": ("bench/load_csv_pairs_per_order", lambda batch: max(batch // 20, 100))}
MAX_RERUNS = 3  # of a statement that gives the same graph when run again (see run_load_csv)
LOAD_COUNTS = "bench/set_order_counts"


def graph(gw) -> dict:
    return gw.read_one("bench/count_order_graph")


def cli_ingest(path: Path, home: Path, *options: str) -> dict:
    """One ``relmine ingest orders PATH --json OPTIONS`` process, the command a user runs: its report,
    wall time and peak RSS. The RSS is measured by ``/usr/bin/time -f %M`` around it, not by this
    process's ``wait4``: Python starts children with ``vfork``, and Linux carries the parent's
    high-water RSS into the child's ``ru_maxrss`` at ``exec``."""
    env = dict(os.environ, RELMINE_HOME=str(home))
    rss_file = home / "bench_ingest_rss.txt"
    cmd = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file),
           sys.executable, "-m", "relmine.cli.main", "ingest", "orders", str(path), "--json", *options]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=None)  # progress lines pass through
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"relmine ingest failed ({proc.returncode}): {proc.stdout.decode()[-2000:]}")
    return {"seconds": seconds, "peak_rss_mb": round(int(rss_file.read_text().split()[-1]) / 1024, 1),
            "report": json.loads(proc.stdout.decode().strip().splitlines()[-1])}


def run_relmine(path: Path, batch: int, home: Path) -> tuple[float, dict, float]:
    """``relmine ingest orders`` with its defaults but ``--keep-service-lines`` (LOAD CSV keeps every
    line, so the graphs can be compared): seconds, report, peak RSS in MB."""
    run = cli_ingest(path, home, "--batch-size", str(batch), "--keep-service-lines")
    return run["seconds"], run["report"], run["peak_rss_mb"]


def run_load_csv(gw, url: str, batch: int, columns: dict[str, str],
                 pairs_form: str = "counted") -> tuple[float, dict[str, float]]:
    """Seconds in all, and per statement (``lines``, ``pairs``, ``counts``). ``pairs_form``: a key of
    ``PAIRS_FORMS`` (``per-order`` is the earlier, sometimes pathological form)."""
    import neo4j

    from relmine import cypher

    pairs_name, pairs_rows = PAIRS_FORMS[pairs_form]
    steps = (("lines", LOAD_LINES, {"url": url, "batch": batch, **columns}),
             ("pairs", pairs_name, {"pairs": pairs_rows(batch)}),
             ("counts", LOAD_COUNTS, {}))
    seconds: dict[str, float] = {}
    with gw._driver.session(database=gw.database) as session:  # noqa: SLF001 (IN TRANSACTIONS: auto-commit)
        for name, statement, params in steps:
            t0 = time.perf_counter()
            # Rerun on a transient error (Neo4j 5.26 raised Transaction.Outdated on the counted pairs of Online
            # Retail after two inner transactions, 2026-12-02) only where a partial commit is harmless: the
            # counted pairs set each pair's whole count (n over all orders, not + n), the order counts are
            # recomputed. Reruns count in the baseline's time, as they would for a user.
            rerunnable = name == "counts" or (name == "pairs" and pairs_form == "counted")
            for attempt in range(MAX_RERUNS + 1):
                try:
                    session.run(neo4j.Query(cypher.load(statement)), **params).consume()
                    break
                except neo4j.exceptions.TransientError as e:
                    if not rerunnable or attempt == MAX_RERUNS:
                        raise RuntimeError(f"LOAD CSV baseline, statement {name!r}: {e.code}") from e
                    print(f"LOAD CSV {name}: {e.code} after {time.perf_counter() - t0:.1f}s; running it again",
                          file=sys.stderr, flush=True)
                    seconds[f"{name}_reruns"] = attempt + 1
            seconds[name] = round(time.perf_counter() - t0, 1)
    return sum(v for k, v in seconds.items() if not k.endswith("_reruns")), seconds


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
