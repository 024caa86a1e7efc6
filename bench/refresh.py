"""The incremental refresh against a full re-embedding, in one run (issue 27 item 3).

    python bench/refresh.py [--set online_retail] [--share 0.01] [--epochs 1] [--out out/refresh]
    python bench/refresh.py --skip-train ...   (the older orders are ingested and a run is current already)

1. The raw order export is split by time so that its latest ``--share`` (1%) of lines are the "new orders"
   (``bench/orders_by_date.py``: columns through relmine's aliases, times as the ingest parses them).
2. The database is wiped, the older lines ingested (``relmine ingest orders``), and a model trained and
   written back through a real worker (``relmine train --epochs N``: the refresh only needs a model).
3. The new lines are ingested (``relmine ingest orders`` again: new products, relations, counts).
4. ``relmine refresh`` (incremental) through a fresh real worker: seconds to done (the CLI), the worker's peak
   RSS, and what the run records (products changed, re-embedded, relations new, seconds per stage).
5. ``relmine refresh --full`` through a fresh real worker on the same graph: the baseline (every product
   embedded and written back, the run switched in).
6. Check: the incremental refresh's vectors of the products it re-embedded against the full refresh's
   (max absolute difference of the raw encoder outputs; both runs' stored outputs).

Needs Neo4j (RELMINE_HOME, ports) and ``RELMINE_BROKER_URL``. Progress lines go to stderr; the last line on
stdout is one JSON object with both refreshes and their ratio (incremental seconds / full seconds).
amazon0302 is an edge list without dates; a "1% of new orders" there would be 1% of its pairs held back,
which this bench does not do yet.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.orders_by_date import _delimiter, _open, order_columns, split_by_date  # noqa: E402
from bench.userpath import cli, gb, train_through_worker  # noqa: E402

DATA = Path(os.environ.get("RELMINE_DATA") or ROOT.parent / "shared" / "data")
SETS = {"online_retail": "online_retail_2010_2011.csv.gz"}
T0 = time.monotonic()


def log(msg: str) -> None:
    print(f"[refresh {time.strftime('%H:%M:%S')} +{time.monotonic() - T0:.0f}s] {msg}", file=sys.stderr, flush=True)


def cutoff_for_share(path: Path, share: float) -> str:
    """The time from which the latest ``share`` of the export's dated lines start (ISO 8601)."""
    from relmine.ingest import values as V

    times = []
    with _open(path, "r") as f:
        reader = csv.reader(f, delimiter=_delimiter(path))
        at = order_columns(next(reader), path)["time"]
        for row in reader:
            try:
                t = V.parse_time(row[at] if at < len(row) else None)
            except ValueError:
                t = None
            if t is not None:
                times.append(t)
    times.sort()
    return times[int(len(times) * (1 - share))].isoformat()


def refresh_through_worker(env: dict, args: list[str], run_id: str, home: Path, timeout: float) -> dict:
    m, peak, run = train_through_worker(env, args, run_id, home, timeout=timeout, log=log, command="refresh")
    if m.returncode != 0:
        raise SystemExit(f"relmine refresh {' '.join(args)} failed (exit {m.returncode})")
    graph = json.loads(run["graph"]) if run.get("graph") else {}
    return {"seconds": round(m.seconds, 1), "worker_peak_gb": round(peak / 2**30, 2), "metrics": run["metrics"],
            "products": graph.get("products")}


def stored_outputs(env: dict, run_id: str):
    """``(skus, outputs)`` the run stored (read before a later run's completion deletes them), or None."""
    from relmine import runs
    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.learn.pipeline import load_tensors

    os.environ.update({k: v for k, v in env.items() if k.startswith(("NEO4J_", "RELMINE_"))})
    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        graph, outputs = (runs.read_artifact(gw, run_id, name) for name in ("graph", "outputs"))
    if graph is None or outputs is None:
        return None
    return list(load_tensors(graph.data)["skus"]), load_tensors(outputs.data)


def compare(inc, full) -> dict:
    """Max |difference| between the two refreshes' raw vectors: of the products the incremental one re-embedded,
    and of those it kept."""
    import torch

    if inc is None or full is None:
        return {"compared": False, "why": "a refresh keeps no outputs"}
    skus_i, out_i = inc
    skus_f, out_f = full
    if skus_i != skus_f:
        return {"compared": False, "why": "the two refreshes pulled different products"}
    rows = out_i["refreshed"].nonzero().flatten()
    diff = (out_i["embeddings"][rows] - out_f["embeddings"][rows]).abs()
    rest = (~out_i["refreshed"]).nonzero().flatten()
    diff_rest = (out_i["embeddings"][rest] - out_f["embeddings"][rest]).abs()
    return {"compared": True, "refreshed": int(rows.numel()),
            "max_abs_diff_refreshed": float(diff.max()) if diff.numel() else 0.0,
            "max_abs_diff_kept": float(diff_rest.max()) if diff_rest.numel() else 0.0,
            "allclose_1e-4": bool(torch.allclose(out_i["embeddings"], out_f["embeddings"], atol=1e-4))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default="online_retail", choices=sorted(SETS))
    ap.add_argument("--data", type=Path, default=None, help="an order export instead of the set's file")
    ap.add_argument("--share", type=float, default=0.01, help="the latest share of lines that arrive as new orders")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--skip-train", action="store_true", help="the older orders are ingested and a run is current")
    ap.add_argument("--timeout", type=float, default=5400)
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "refresh")
    args = ap.parse_args()
    env = dict(os.environ)
    if not env.get("RELMINE_BROKER_URL"):
        raise SystemExit("set RELMINE_BROKER_URL to a RabbitMQ the CLI and the worker share")
    data = args.data or DATA / SETS[args.set]
    out = args.out / args.set
    out.mkdir(parents=True, exist_ok=True)
    result: dict = {"set": args.set, "share": args.share, "load_before": open("/proc/loadavg").read().split()[:3]}
    t = time.monotonic()
    cutoff = cutoff_for_share(data, args.share)
    early, late, n_early, n_late = split_by_date(data, cutoff, out)
    result.update(cutoff=cutoff, lines_before=n_early, lines_new=n_late)
    log(f"split at {cutoff}: {n_early:,} lines before, {n_late:,} new ({time.monotonic() - t:.0f}s)")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if not args.skip_train:
        from bench.scale import wipe

        wipe()
        m = cli(["ingest", "orders", str(early)], env, timeout=7200)
        if m.returncode != 0:
            raise SystemExit(f"ingest failed: {m.stderr[-2000:]}")
        result["ingest_before"] = {"seconds": round(m.seconds, 1), "peak_gb": round(m.peak_rss / 2**30, 2)}
        log(f"ingest of the older lines: {m.seconds:.0f}s, peak RSS {gb(m.peak_rss)}")
        run_id = f"train-bench-refresh-{stamp}"
        m, peak, run = train_through_worker(env, ["--epochs", str(args.epochs)], run_id, out / "worker-train",
                                            timeout=args.timeout, log=log)
        if m.returncode != 0:
            raise SystemExit("relmine train failed")
        result["train"] = {"run": run_id, "seconds": round(m.seconds, 1), "worker_peak_gb": round(peak / 2**30, 2)}
        log(f"relmine train --epochs {args.epochs}: {m.seconds:.0f}s to done, worker peak {gb(peak)}")
    m = cli(["ingest", "orders", str(late)], env, timeout=7200)
    if m.returncode != 0:
        raise SystemExit(f"ingest of the new lines failed: {m.stderr[-2000:]}")
    result["ingest_new"] = {"seconds": round(m.seconds, 1), "lines": n_late}
    log(f"ingest of the {n_late:,} new lines: {m.seconds:.1f}s")

    inc_id, full_id = f"refresh-bench-inc-{stamp}", f"refresh-bench-full-{stamp}"
    log("relmine refresh (incremental) through a fresh worker")
    inc = refresh_through_worker(env, [], inc_id, out / "worker-inc", args.timeout)
    mi = inc["metrics"]
    inc_outputs = stored_outputs(env, inc_id)  # the full refresh's switch deletes them
    log(f"incremental: {inc['seconds']:.1f}s, {mi.get('products_reembedded', 0):,} of {mi.get('products', 0):,} "
        f"products re-embedded, worker peak {inc['worker_peak_gb']:.2f} GB")
    log("relmine refresh --full through a fresh worker (the baseline)")
    full = refresh_through_worker(env, ["--full"], full_id, out / "worker-full", args.timeout)
    log(f"full: {full['seconds']:.1f}s, worker peak {full['worker_peak_gb']:.2f} GB")
    check = compare(inc_outputs, stored_outputs(env, full_id))
    log(f"check against the full refresh: {check}")
    ratio = inc["seconds"] / full["seconds"] if full["seconds"] else None
    keys = ("products", "products_changed", "products_new", "products_features_changed", "products_relations_changed",
            "products_reembedded", "products_in_subgraph", "relations", "relations_new", "relations_reweighted",
            "relations_gone", "seconds_read_state", "seconds_pull", "seconds_diff", "seconds_embed", "seconds_rank",
            "seconds_save", "seconds_prepare", "seconds_writeback", "seconds_total")
    result.update(
        incremental={"run": inc_id, "seconds": inc["seconds"], "worker_peak_gb": inc["worker_peak_gb"],
                     **{k: mi.get(k) for k in keys}},
        full={"run": full_id, "seconds": full["seconds"], "worker_peak_gb": full["worker_peak_gb"],
              "products_reembedded": full["products"],
              "seconds_pull": full["metrics"].get("seconds_pull"), "seconds_embed": full["metrics"].get("seconds_embed"),
              "seconds_rank": full["metrics"].get("seconds_rank")},
        ratio=round(ratio, 4) if ratio else None, check=check,
        load_after=open("/proc/loadavg").read().split()[:3])
    print(f"\nincremental refresh {inc['seconds']:.1f}s ({mi.get('products_reembedded', 0):,} of "
          f"{mi.get('products', 0):,} products) against a full one {full['seconds']:.1f}s: ratio {ratio:.3f} "
          f"(target <= 0.10); worker peaks {inc['worker_peak_gb']:.2f} / {full['worker_peak_gb']:.2f} GB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
