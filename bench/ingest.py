"""Benchmark: ``relmine ingest`` against Neo4j's LOAD CSV and a one-row-per-transaction driver loop.

Same file for all three: the first ``--edges`` relations of SNAP amazon0302
(tab separated, ``#`` comments, CRLF, gzip), placed in the server's import
folder so LOAD CSV can read it. Each contender starts from an empty database
(schema applied) and ends with the same graph: one ``(:Product {sku})`` per
node, one ``ALSO_BOUGHT {weight: 1.0}`` per edge, all written with MERGE.

* relmine: ``ingest_file(kind=edges)`` end to end (checksum, parse, validate,
  de-duplicate, batched UNWIND in claimed transactions);
* LOAD CSV: ``LOAD CSV … CALL (row) { MERGE a, MERGE b, MERGE (a)-[:ALSO_BOUGHT]->(b) }
  IN TRANSACTIONS OF <batch> ROWS`` (server-side, the file in the import folder);
* naive: one ``execute_write`` per edge with the same three MERGEs, run on the
  first ``--naive-rows`` edges; its rate is extrapolated to the whole slice (said so).

Both relmine and LOAD CSV run once on a small slice first (warm-up, not
measured), then ``--repeat`` times each in alternating order; the best run of
each gives the ratio, the medians a second one (on a shared machine single runs
vary by tens of percent).

Then the whole amazon0302 (1,234,877 relations, 262,111 products) through
``relmine ingest`` into an empty database: wall time and counts. ``--orders``
adds the full UCI Online Retail file (3.75M CO_PURCHASED pairs).

    python bench/ingest.py --wipe     # the database must be empty, or --wipe empties it

Last line: a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = next((d for d in (ROOT.parent / "shared" / "data", ROOT.parents[1] / "shared" / "data") if d.is_dir()),
            ROOT.parent / "shared" / "data")  # a clone beside shared/, or a worktree two levels down



def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def reset(gw) -> None:
    from relmine.schema import apply_schema, empty_graph

    empty_graph(gw)
    apply_schema(gw)


def counts(gw) -> dict:
    return gw.read_one("bench/count_also_bought")


def write_slice(src: Path, dst: Path, n_edges: int) -> int:
    """The first ``n_edges`` data lines of ``src`` with its comment header, gzip, CRLF kept."""
    written = 0
    with gzip.open(src, "rb") as fin, gzip.open(dst, "wb", compresslevel=6) as fout:
        for raw in fin:
            if raw.startswith(b"#"):
                fout.write(raw)
                continue
            if written >= n_edges:
                break
            fout.write(raw)
            written += 1
    return written


def run_relmine(gw, path: Path, batch: int, home: Path) -> tuple[float, dict]:
    from relmine.ingest import IngestOptions, ingest_file

    t0 = time.perf_counter()
    report = ingest_file(gw, path, IngestOptions(kind="edges", relation_type="ALSO_BOUGHT", batch_size=batch,
                                                 progress=False), rejects_dir=home / "rejects")
    return time.perf_counter() - t0, report.as_dict()


def run_load_csv(gw, url: str, batch: int) -> float:
    t0 = time.perf_counter()
    gw.write_autocommit("bench/load_csv_also_bought", {"url": url, "batch": batch})
    return time.perf_counter() - t0


def run_naive(gw, path: Path, n_rows: int) -> tuple[float, int]:
    rows = []
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            a, b = line.split()
            rows.append((a, b))
            if len(rows) >= n_rows:
                break
    from relmine import cypher

    naive = cypher.load("bench/merge_also_bought_pair")
    t0 = time.perf_counter()
    with gw._driver.session(database=gw.database) as session:  # noqa: SLF001 (the baseline: a row per transaction)
        for a, b in rows:
            session.execute_write(lambda tx, a=a, b=b: tx.run(naive, src=a, dst=b).consume())
    return time.perf_counter() - t0, len(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edges", type=int, default=300_000, help="relations in the three-way comparison")
    ap.add_argument("--naive-rows", type=int, default=2_000, help="edges the naive loop runs (then extrapolated)")
    ap.add_argument("--batch", type=int, default=20_000, help="rows per transaction (relmine and LOAD CSV)")
    ap.add_argument("--repeat", type=int, default=3, help="measured runs of relmine and of LOAD CSV (best counts)")
    ap.add_argument("--no-full", action="store_true", help="skip the full amazon0302 ingest")
    ap.add_argument("--orders", action="store_true", help="also ingest the full Online Retail file")
    ap.add_argument("--wipe", action="store_true", help="empty the database first (it must be empty otherwise)")
    ap.add_argument("--orders-bench", action="store_true",
                    help="only the order benchmark: relmine vs LOAD CSV building the same Order/CONTAINS/"
                         "CO_PURCHASED graph, on Online Retail and a generated file (see bench/ingest_orders_impl)")
    ap.add_argument("--gen-orders", type=int, default=466_000,
                    help="orders of the generated file (--orders-bench; 466k orders ~ 1.4M lines)")
    ap.add_argument("--gen-products", type=int, default=50_000, help="products of the generated file")
    ap.add_argument("--no-generated", action="store_true", help="--orders-bench: Online Retail only")
    ap.add_argument("--pairs-form", choices=("counted", "per-order"), default="counted",
                    help="--orders-bench: the LOAD CSV pairs statement (see bench/ingest_orders_impl)")
    ap.add_argument("--no-retail", action="store_true", help="--orders-bench: the generated file only")
    ap.add_argument("--max-lines", type=int, default=None,
                    help="--orders-bench: only the first N lines of each file (cut at an order boundary)")
    args = ap.parse_args()
    if args.orders_bench:
        return orders_bench(args)

    src = DATA / "amazon0302.txt.gz"
    if not src.is_file():
        log(f"missing {src}")
        return 2
    opened = _open(args.wipe)
    if opened is None:
        return 2
    settings, gw, import_dir = opened
    name = f"bench_amazon0302_{args.edges}.txt.gz"
    sliced = import_dir / name
    n_edges = write_slice(src, sliced, args.edges)
    log(f"slice: {n_edges:,} edges in {sliced}")
    figures: dict = {"edges": n_edges, "batch": args.batch}

    # Warm-up (not measured): both paths once on a small slice, so neither pays for plan compilation / JIT.
    warm = import_dir / "bench_amazon0302_warmup.txt.gz"
    write_slice(src, warm, min(20_000, n_edges))
    reset(gw)
    run_relmine(gw, warm, args.batch, settings.home)
    reset(gw)
    run_load_csv(gw, f"file:///{warm.name}", args.batch)
    warm.unlink(missing_ok=True)

    # Measured: alternating order (relmine first, then LOAD CSV first, ...), each from an empty database.
    times: dict[str, list[float]] = {"relmine": [], "load_csv": []}
    c_relmine = c_load = None
    for r in range(args.repeat):
        for who in (("relmine", "load_csv") if r % 2 == 0 else ("load_csv", "relmine")):
            reset(gw)
            if who == "relmine":
                t, _ = run_relmine(gw, sliced, args.batch, settings.home)
                c_relmine = counts(gw)
            else:
                t = run_load_csv(gw, f"file:///{name}", args.batch)
                c_load = counts(gw)
            times[who].append(t)
            log(f"{who} (run {r + 1}): {t:.1f}s, {n_edges / t:,.0f} rows/s")
    t_relmine, t_load = min(times["relmine"]), min(times["load_csv"])
    med_relmine, med_load = statistics.median(times["relmine"]), statistics.median(times["load_csv"])

    reset(gw)
    t_naive, n_naive = run_naive(gw, sliced, args.naive_rows)
    naive_rate = n_naive / t_naive
    log(f"naive (one row per transaction): {n_naive:,} rows in {t_naive:.1f}s, {naive_rate:,.0f} rows/s "
        f"(extrapolated to {n_edges:,} rows: {n_edges / naive_rate:,.0f}s)")

    same = c_relmine == c_load
    figures.update({
        "repeat": args.repeat,
        "relmine_s": round(t_relmine, 2), "relmine_rows_per_s": round(n_edges / t_relmine),
        "relmine_runs_s": [round(t, 2) for t in times["relmine"]],
        "load_csv_s": round(t_load, 2), "load_csv_rows_per_s": round(n_edges / t_load),
        "load_csv_runs_s": [round(t, 2) for t in times["load_csv"]],
        "naive_rows": n_naive, "naive_rows_per_s": round(naive_rate, 1),
        "naive_extrapolated_s": round(n_edges / naive_rate, 1),
        "ratio_vs_load_csv": round(t_load / t_relmine, 2),
        "ratio_vs_load_csv_median": round(med_load / med_relmine, 2),
        "ratio_vs_naive": round((n_edges / t_relmine) / naive_rate, 1),
        "same_graph": same, "products": c_relmine["products"], "relations": c_relmine["relations"],
    })
    print(f"relmine {figures['relmine_rows_per_s']:,} rows/s; LOAD CSV {figures['load_csv_rows_per_s']:,} rows/s "
          f"(best of {args.repeat}) -> {figures['ratio_vs_load_csv']}x LOAD CSV (medians: "
          f"{figures['ratio_vs_load_csv_median']}x; goal >= 1.0); naive {naive_rate:,.0f} rows/s (extrapolated) -> "
          f"{figures['ratio_vs_naive']}x naive (goal >= 20); same graph: {same}")

    if not args.no_full:
        reset(gw)
        t_full, rep_full = run_relmine(gw, src, args.batch, settings.home)
        c_full = counts(gw)
        figures.update({"amazon0302_s": round(t_full, 1), "amazon0302_rows_per_s": round(rep_full["counts"]["read"] / t_full),
                        "amazon0302_products": c_full["products"], "amazon0302_relations": c_full["relations"]})
        print(f"amazon0302 end to end: {t_full:.1f}s for {rep_full['counts']['read']:,} relations "
              f"({c_full['products']:,} products, {c_full['relations']:,} ALSO_BOUGHT)")
    if args.orders:
        from relmine.ingest import IngestOptions, ingest_file

        reset(gw)
        t0 = time.perf_counter()
        rep_o = ingest_file(gw, DATA / "online_retail_2010_2011.csv.gz",
                            IngestOptions(kind="orders", batch_size=args.batch, progress=False),
                            rejects_dir=settings.home / "rejects")
        t_orders = time.perf_counter() - t0
        figures.update({"online_retail_s": round(t_orders, 1), "online_retail_lines": rep_o.counts.read,
                        "online_retail_pairs": rep_o.counts.notes.get("co_purchased_pairs", 0)})
        print(f"online retail end to end: {t_orders:.1f}s for {rep_o.counts.read:,} lines "
              f"({figures['online_retail_pairs']:,} CO_PURCHASED pairs)")
    sliced.unlink(missing_ok=True)
    gw.close()
    print(json.dumps(figures))
    return 0


def orders_bench(args) -> int:
    """relmine vs LOAD CSV on order files (each from an empty database, the same graph checked)."""
    import resource

    sys.path.insert(0, str(ROOT))
    from bench import ingest_orders_impl as O

    opened = _open(args.wipe)
    if opened is None:
        return 2
    settings, gw, import_dir = opened
    files = [("online_retail", DATA / "online_retail_2010_2011.csv.gz",
              {"order": "InvoiceNo", "sku": "StockCode", "qty": "Quantity"})][int(args.no_retail):]
    if not args.no_generated:
        from relmine.ingest.generate import GeneratorSpec, generate

        out = import_dir / "bench_generated"
        generate(GeneratorSpec(products=args.gen_products, orders=args.gen_orders, seed=13), out)
        files.append((f"generated_{args.gen_products}p", out / "orders.csv",
                      {"order": "order_id", "sku": "sku", "qty": "quantity"}))
    figures: dict = {"batch": args.batch, "baseline": "LOAD CSV ... CALL { } IN TRANSACTIONS (same graph)",
                     "pairs_form": args.pairs_form}
    for label, src, columns in files:
        placed = O.place(src, import_dir, f"bench_{label}.csv", args.max_lines)
        with open(placed, "rb") as f:
            n_lines = sum(1 for _ in f) - 1
        reset(gw)
        t_rel, rep, rss_rel = O.run_relmine(placed, args.batch, settings.home)
        g_rel = O.graph(gw)
        log(f"{label} relmine: {t_rel:.1f}s, {n_lines / t_rel:,.0f} lines/s ({g_rel})")
        log(f"{label} relmine notes: {rep['counts']['notes']}")
        reset(gw)
        t_load, steps = O.run_load_csv(gw, f"file:///{placed.name}", args.batch, columns, args.pairs_form)
        g_load = O.graph(gw)
        log(f"{label} LOAD CSV: {t_load:.1f}s {steps}, {n_lines / t_load:,.0f} lines/s ({g_load})")
        same = {k: g_rel[k] for k in ("orders", "lines", "qty", "pairs", "pair_count", "order_count")} == \
               {k: g_load[k] for k in ("orders", "lines", "qty", "pairs", "pair_count", "order_count")}
        figures[label] = {"lines": n_lines, "relmine_s": round(t_rel, 1), "relmine_lines_per_s": round(n_lines / t_rel),
                          "load_csv_s": round(t_load, 1), "load_csv_steps_s": steps, "load_csv_lines_per_s": round(n_lines / t_load),
                          "ratio_vs_load_csv": round(t_load / t_rel, 2), "same_graph": same,
                          "pairs": g_rel["pairs"], "orders": g_rel["orders"],
                          "service_lines": rep["counts"]["notes"].get("service_lines", 0),
                          "relmine_peak_rss_mb": rss_rel}
        print(f"{label}: relmine {n_lines / t_rel:,.0f} lines/s, LOAD CSV {n_lines / t_load:,.0f} lines/s -> "
              f"{t_load / t_rel:.2f}x LOAD CSV (goal >= 1.0; issue 13's starting point ~4k lines/s); "
              f"same graph: {same}", flush=True)
        placed.unlink(missing_ok=True)
    figures["bench_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    reset(gw)
    gw.close()
    print(json.dumps(figures))
    return 0


def _open(wipe: bool):
    """``(settings, gateway, Neo4j's import folder)``, or None when the database holds data and
    ``wipe`` was not given."""
    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.server import LocalNeo4j

    settings = Settings.from_env()
    gw = Gateway(settings, app="relmine-bench")
    gw.verify()
    if not wipe and (gw.read_one("bench/count_nodes") or {}).get("n"):
        log("the database is not empty: pass --wipe to let this benchmark empty it")
        gw.close()
        return None
    import_dir = LocalNeo4j(settings).import_dir
    import_dir.mkdir(parents=True, exist_ok=True)
    return settings, gw, import_dir


if __name__ == "__main__":
    sys.exit(main())
