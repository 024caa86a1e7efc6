"""The significance filter's default, chosen by measurement: which relations should a run learn from?

    python bench/filter.py [--settings 50:1,10:1,25:1,100:1,50:2] [--epochs 5]
                           [--cutoff 2011-09-01] [--out out/filter] [--skip-ingest]

A co-purchase graph from real orders is dense with one-off pairs (Online
Retail: 3.7M pairs among 3.9k products). ``relmine train`` learns from the
relations that pass ``--min-count`` and ``--top-k-relations``; this measures
what each setting buys, through the path a user runs, on one yardstick that
does not depend on the setting: **the next months' orders**.

1. The raw export (``../shared/data/online_retail_2010_2011.csv.gz``) is
   split by invoice date, rows untouched: orders before ``--cutoff`` are
   ingested with ``relmine ingest orders`` (default options; the database is
   wiped first); the later ones are kept aside.
2. Targets: product pairs bought together at least twice after the cutoff
   (invoices that are not cancellations, positive quantities), both products
   in the graph, and never bought together before it: relations a
   recommender should have predicted.
3. Per setting ``TOP_K:MIN_COUNT``: ``relmine train --epochs E
   --top-k-relations TOP_K --min-count MIN_COUNT --wait`` through a real
   worker (wall time to done, worker peak RSS, relations kept, the run's
   own test figures on its held-out slice), then the ``[:PREDICTED]``
   relations it wrote into Neo4j (``--top-k`` per product, default 10) are
   scored against the targets: recall (share of target pairs predicted, in
   either direction) and precision (share of predicted pairs that are
   targets).
4. Baselines in the same run: resource allocation on the whole pre-cutoff
   graph (every pair, no filter), its 10 best non-neighbours per product,
   scored the same way; and per setting, resource allocation on the pairs
   that setting keeps (relmine's own filter function on the same pairs and
   counts): the write-back draws its candidates from that graph's two hops.

The run's own test figures are *not* comparable across settings (each run
holds out a slice of the relations it kept); the targets are. Every setting
trains for the same ``--epochs`` (default 5, not the recipe's 100 with
early stopping: a budget this 2-core machine can afford for every setting).
Needs Neo4j and ``RELMINE_BROKER_URL`` (a RabbitMQ the CLI and the worker
share). Last line: a JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.orders_by_date import late_pairs, split_by_date  # noqa: E402
from bench.scale import wipe  # noqa: E402
from bench.userpath import cli, gb, train_through_worker  # noqa: E402

DATA = Path(os.environ.get("RELMINE_DATA") or ROOT.parent / "shared" / "data")


def log(msg: str) -> None:
    print(f"[filter {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _symmetric(pairs: np.ndarray, n: int):
    import scipy.sparse as sp

    a = sp.coo_matrix((np.ones(pairs.shape[1]), (pairs[0], pairs[1])), shape=(n, n)).tocsr()
    return ((a + a.T) > 0).astype(np.float64)


def resource_allocation_top(pairs: np.ndarray, n: int, k: int, observed: np.ndarray | None = None) -> np.ndarray:
    """``lo * n + hi`` keys of each product's ``k`` best products by resource allocation on ``pairs``,
    among those not related to it in ``observed`` (default ``pairs``), as the write-back chooses."""
    import scipy.sparse as sp

    a = _symmetric(pairs, n)
    seen = a if observed is None else _symmetric(observed, n)
    deg = np.asarray(a.sum(axis=1)).ravel()
    inv = sp.diags(np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0))
    out = []
    for start in range(0, n, 1024):
        rows = slice(start, min(start + 1024, n))
        ra = (a[rows] @ inv @ a).toarray()
        ra[seen[rows].toarray() > 0] = 0
        ra[np.arange(ra.shape[0]), np.arange(rows.start, rows.stop)] = 0
        top = np.argpartition(-ra, k, axis=1)[:, :k]
        src = np.repeat(np.arange(rows.start, rows.stop), k)
        dst = top.ravel()
        ok = ra[np.repeat(np.arange(ra.shape[0]), k), dst] > 0
        lo, hi = np.minimum(src, dst)[ok], np.maximum(src, dst)[ok]
        out.append(lo * n + hi)
    return np.concatenate(out)


def score(predicted: np.ndarray, targets: np.ndarray) -> dict:
    """Recall of the target pairs and precision of the predicted pairs (both as unordered pair keys)."""
    pred = np.unique(predicted)
    hit = np.isin(pred, targets)
    return {"predicted_pairs": int(pred.size), "hits": int(hit.sum()),
            "recall": float(hit.sum() / max(targets.size, 1)), "precision": float(hit.mean()) if pred.size else 0.0}


def pair_counts(gw, whole) -> np.ndarray:
    """``r.count`` of every pair of the unfiltered learning graph ``whole`` (its column order), read with the
    statement the pull uses."""
    n, index = whole.num_nodes, {s: i for i, s in enumerate(whole.skus)}
    keys, counts = [], []
    for start in range(0, n, 500):
        cols = gw.read_one("learn/out_relations", {"skus": whole.skus[start:start + 500], "types": ["CO_PURCHASED"]},
                           raw=True)
        src = np.array([index.get(v, -1) for v in cols["src"]], dtype=np.int64)
        dst = np.array([index.get(v, -1) for v in cols["dst"]], dtype=np.int64)
        ok = (src >= 0) & (dst >= 0) & (src != dst)
        keys.append(np.minimum(src, dst)[ok] * n + np.maximum(src, dst)[ok])
        counts.append(np.asarray(cols["count"], dtype=np.float64)[ok])
    key, count = np.concatenate(keys), np.concatenate(counts)
    order = np.argsort(key, kind="stable")
    key, count = key[order], count[order]
    return count[np.searchsorted(key, whole.pairs[0] * n + whole.pairs[1])]


def predicted_keys(gw, run_id: str, index: dict[str, int]) -> np.ndarray:
    rows = gw.read("learn/predicted_of_run", {"run_id": run_id}, raw=True)
    n = len(index)
    src = np.array([index.get(r["src"], -1) for r in rows], dtype=np.int64)
    dst = np.array([index.get(r["dst"], -1) for r in rows], dtype=np.int64)
    ok = (src >= 0) & (dst >= 0)
    return np.minimum(src, dst)[ok] * n + np.maximum(src, dst)[ok]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--settings", default="50:1,10:1,25:1,100:1,50:2",
                    help="comma-separated TOP_K:MIN_COUNT (--top-k-relations, --min-count), one run each")
    ap.add_argument("--epochs", type=int, default=5, help="relmine train --epochs for every setting")
    ap.add_argument("--cutoff", default="2011-09-01", help="orders from this date on are the future")
    ap.add_argument("--data", type=Path, default=DATA / "online_retail_2010_2011.csv.gz", help="the raw export")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "filter", help="working folder")
    ap.add_argument("--skip-ingest", action="store_true", help="the pre-cutoff orders are already loaded")
    ap.add_argument("--min-target-count", type=int, default=2, help="a target pair is bought together this often")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per run")
    args = ap.parse_args()
    settings = []
    for item in args.settings.split(","):
        k, _, c = item.strip().partition(":")
        settings.append((int(k), float(c or 1)))
    env = dict(os.environ)
    args.out.mkdir(parents=True, exist_ok=True)
    stages = {}
    t0 = time.monotonic()
    early, late, n_early, n_late = split_by_date(args.data, args.cutoff, args.out)
    log(f"split at {args.cutoff}: {n_early:,} rows before, {n_late:,} from it on ({time.monotonic() - t0:.0f}s)")
    if not args.skip_ingest:
        wipe()
        m = cli(["ingest", "orders", str(early)], env, timeout=7200)
        stages["ingest orders"] = {"seconds": round(m.seconds, 1), "peak_rss": m.peak_rss, "rows": n_early}
        log(f"ingest orders (before the cutoff): {m.seconds:.0f}s, peak RSS {gb(m.peak_rss)}, exit {m.returncode}")
        if m.returncode != 0:
            print(m.stderr[-3000:], file=sys.stderr)
            return 1

    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.learn.pull import RelationFilter, pull_learning_graph, significant

    os.environ.update({k: v for k, v in env.items() if k.startswith(("NEO4J_", "RELMINE_"))})
    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        whole = pull_learning_graph(gw, ["CO_PURCHASED"], RelationFilter(min_count=1, top_k=0), text_dim=8)
        whole_counts = pair_counts(gw, whole)
    n = whole.num_nodes
    index = {s: i for i, s in enumerate(whole.skus)}
    known = np.unique(whole.pairs[0] * n + whole.pairs[1])
    related = np.zeros(n, dtype=bool)
    related[whole.pairs.ravel()] = True
    keys, counts = late_pairs(late, index)
    lo, hi = keys // n, keys % n
    new = ~np.isin(keys, known) & related[lo] & related[hi]
    targets = keys[new & (counts >= args.min_target_count)]
    log(f"pre-cutoff graph: {n:,} products, {known.size:,} co-purchased pairs; after the cutoff: {keys.size:,} "
        f"pairs, {int(new.sum()):,} new, {targets.size:,} new and bought together at least "
        f"{args.min_target_count} times (the targets)")
    t1 = time.monotonic()
    ra = score(resource_allocation_top(whole.pairs, n, 10), targets)
    ra["seconds"] = round(time.monotonic() - t1, 1)
    log(f"RA on the whole pre-cutoff graph, 10 per product: recall {ra['recall']:.4f}, precision {ra['precision']:.4f}")

    results = []
    for top_k, min_count in settings:
        run_id = f"filter-k{top_k}-c{min_count:g}-{int(time.time())}"
        m, peak, run = train_through_worker(
            env, ["--epochs", str(args.epochs), "--top-k-relations", str(top_k), "--min-count", f"{min_count:g}"],
            run_id, args.out / "worker-home" / run_id, timeout=args.timeout, log=log)
        met = run.get("metrics") or {}
        graph = json.loads(run["graph"]) if run.get("graph") else {}
        row = {"top_k_relations": top_k, "min_count": min_count, "run": run_id, "status": run["status"],
               "relations_kept": graph.get("relations_kept"), "seconds_to_done": round(m.seconds, 1),
               "seconds_train": round(met.get("seconds_train") or 0, 1), "worker_peak_rss": peak,
               "own_test": met.get("test")}
        if run["status"] == "done":
            with Gateway(Settings.from_env(), app="relmine-bench") as gw:
                row["future"] = score(predicted_keys(gw, run_id, index), targets)
        # the same filter on the same pairs (relmine's own function): resource allocation on what the run kept
        kept = significant(whole.pairs, whole.types, whole.weights, n, RelationFilter(min_count, top_k),
                           counts=whole_counts)
        row["ra_kept"] = score(resource_allocation_top(whole.pairs[:, kept], n, 10, observed=whole.pairs), targets)
        results.append(row)
        f = row.get("future") or {}
        log(f"top {top_k}, min count {min_count:g}: {run['status']} in {m.seconds:.0f}s, "
            f"{row['relations_kept']} relations kept, worker peak {gb(peak)}; future recall "
            f"{f.get('recall', float('nan')):.4f}, precision {f.get('precision', float('nan')):.4f}")

    print(f"Online Retail, orders before {args.cutoff} ingested; targets: {targets.size:,} new pairs bought "
          f"together at least {args.min_target_count} times after it; {args.epochs} epochs per setting")
    head = (f"{'setting':<26}{'kept':>10}{'to done s':>11}{'train s':>9}{'peak RSS':>10}{'recall':>9}{'precision':>11}"
            f"{'RA kept: recall':>17}{'precision':>11}")
    print(head)
    print(f"{'RA, whole graph':<26}{known.size:>10,}{'':>11}{ra['seconds']:>9.1f}{'':>10}"
          f"{ra['recall']:>9.4f}{ra['precision']:>11.4f}")
    for r in results:
        f = r.get("future") or {}
        print(f"{'top ' + str(r['top_k_relations']) + ', min count ' + format(r['min_count'], 'g'):<26}"
              f"{(r['relations_kept'] or 0):>10,}{r['seconds_to_done']:>11.0f}{r['seconds_train']:>9.0f}"
              f"{gb(r['worker_peak_rss']):>10}{f.get('recall', float('nan')):>9.4f}"
              f"{f.get('precision', float('nan')):>11.4f}{r['ra_kept']['recall']:>17.4f}{r['ra_kept']['precision']:>11.4f}")
    print(json.dumps({"cutoff": args.cutoff, "epochs": args.epochs, "stages": stages, "products": n,
                      "pairs_before": int(known.size), "targets": int(targets.size), "ra": ra,
                      "settings": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
