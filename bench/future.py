"""The yardstick through the user's path: do the written ``[:PREDICTED]`` foresee the pairs customers start buying?

    python bench/future.py [--set online_retail] [--seeds 3] [--epochs N] [--out out/future]
    python bench/future.py --data FILE --cutoff DATE [--name NAME] ...

1. The raw export is split by order time at ``--cutoff``, rows untouched, its columns found through
   relmine's own column aliases and its times parsed as ``relmine ingest orders`` parses them
   (``bench/orders_by_date.py``; another retailer's export works unchanged).
2. The rows before the cutoff are ingested with default options (``relmine ingest orders FILE``; the
   database is wiped first).
3. The ingested sale baskets and their times are read back from Neo4j (``cypher/learn/dated_baskets_page.cypher``,
   paged), so the baselines see exactly the orders the model sees.
4. Targets: product pairs both in the pre-cutoff co-purchase graph, never bought together before the
   cutoff, bought together in at least ``--min-target-count`` (2) sale baskets of the later rows.
5. Baselines from the same baskets (:mod:`relmine.learn.future`): RA, Adamic-Adar, common neighbours,
   two-hop co-count, recent RA (last 90 days), recent popularity (last 30 days), a heuristic re-ranker
   (logistic regression fitted at cutoff - 90 days), and candidate coverage.
6. Per seed: ``relmine train --seed S [--epochs N]`` (defaults otherwise) through a real worker
   (``bench/userpath.py``): seconds to done and worker peak RSS; then the ``[:PREDICTED]`` relations it
   wrote, each product's ranked by their score (10 per product), scored with the same metrics.

Metrics (defined in :mod:`relmine.learn.future`): precision@10, recall@10 and NDCG@10 averaged over the
source products with at least one target, plus the micro pair precision/recall of ``bench/filter.py``.
The table gives each method's ratio to RA and the model's to the strongest baseline of the run. Needs
Neo4j and ``RELMINE_BROKER_URL`` (a RabbitMQ the CLI and the worker share). Last line: one JSON object
``{"sets": {NAME: {"model": {...}, "ra": {...}, ..., "candidate_coverage": ..., "seconds_to_done": ...,
"worker_peak_gb": ...}}}`` with the model's means over seeds.
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

from bench.orders_by_date import sale_baskets, split_by_date  # noqa: E402
from bench.userpath import cli, gb, train_through_worker  # noqa: E402


DATA = Path(os.environ.get("RELMINE_DATA") or ROOT.parent / "shared" / "data")  # as every bench finds it
#: name -> (file under the data folder, cutoff). The Complete Journey sample's time column
#: (``transaction_timestamp``, Unix seconds) is read through relmine's aliases since session 16; it is
#: sparse (1.6 lines a basket): about 62 targets at 2017-07-01 (docs/learn.md, "Measured on the future").
SETS = {"online_retail": ("online_retail_2010_2011.csv.gz", "2011-09-01"),
        "complete_journey": ("cj_transactions_sample.csv.gz", "2017-07-01")}
BASELINES = ("ra", "aa", "cn", "cocount", "recent_ra", "recent_popularity", "heuristic_reranker")
STRONG = ("ra", "recent_ra", "recent_popularity", "heuristic_reranker")  # the issue's bar: the strongest of these
METRICS = ("precision@10", "recall@10", "ndcg@10")
T0 = time.monotonic()


def log(msg: str) -> None:
    print(f"[future {time.strftime('%H:%M:%S')} +{time.monotonic() - T0:.0f}s] {msg}", file=sys.stderr, flush=True)


def _every_50k(done: int) -> None:
    if done % 50_000 == 0:
        log(f"  read {done:,} baskets")


def predicted_lists(gw, run_id: str, index: dict[str, int]) -> tuple[np.ndarray, dict]:
    """Each product's ``[:PREDICTED]`` of the run ranked by score (ties: the written rank), 10 per product."""
    from relmine.learn.future import lists_from_ranked

    rows = gw.read("learn/predicted_scored_of_run", {"run_id": run_id}, raw=True)
    info = {"predicted": len(rows), "types": {}}
    for r in rows:
        info["types"][r["type"]] = info["types"].get(r["type"], 0) + 1
    src = np.array([index.get(r["src"], -1) for r in rows], dtype=np.int64)
    dst = np.array([index.get(r["dst"], -1) for r in rows], dtype=np.int64)
    score = np.array([r["score"] if r["score"] is not None else -np.inf for r in rows], dtype=np.float64)
    rank = np.array([r["rank"] if r["rank"] is not None else 1 << 30 for r in rows], dtype=np.float64)
    ok = (src >= 0) & (dst >= 0) & (src != dst)
    info["outside_the_graph"] = int((~ok).sum())
    info["products"] = int(np.unique(src[ok]).size)
    position = np.empty(int(ok.sum()))
    position[np.lexsort((rank[ok], -score[ok]))] = np.arange(int(ok.sum()))
    return lists_from_ranked(src[ok], dst[ok], position, len(index)), info


def resume_through_worker(env: dict, run_id: str, home: Path, *, timeout: float):
    """``relmine train --resume RUN --wait`` through a fresh real worker: a run cut off (its worker or Neo4j
    killed) continues from its last checkpoint. Seconds and peak RSS are those of the resumed part only."""
    from bench.userpath import Worker, run_record

    with Worker(env, home) as worker:
        m = cli(["train", "--resume", run_id, "--wait", "--timeout", str(int(timeout))], env, timeout=timeout + 120,
                log=lambda line: log(f"  {line}"))
        peak = worker.peak_rss()
        if m.returncode != 0:
            log(worker.tail())
    return m, peak, run_record(env, run_id)


def fmt_row(name: str, r: dict, ra: dict, extra: str = "") -> str:
    cells = "".join(f"{r[m]:>9.4f}" for m in METRICS)
    ratio = "".join(f"{(r[m] / ra[m] if ra[m] else float('nan')):>8.2f}x" for m in METRICS[:2])
    return f"{name:<24}{cells}{r['pair_precision']:>10.4f}{r['pair_recall']:>10.4f}{ratio}{extra}"


def run_set(name: str, data: Path, cutoff: str, args, env: dict) -> dict:
    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.learn import future as F
    from relmine.learn.blend import read_baskets

    out = args.out / name
    out.mkdir(parents=True, exist_ok=True)
    result: dict = {"data": str(data), "cutoff": cutoff}
    t = time.monotonic()
    early, late, n_early, n_late = split_by_date(data, cutoff, out)
    log(f"{name}: split at {cutoff}: {n_early:,} rows before, {n_late:,} from it on ({time.monotonic() - t:.0f}s)")
    if not args.skip_ingest:
        from bench.scale import wipe

        wipe()
        m = cli(["ingest", "orders", str(early)], env, timeout=7200)
        result["ingest"] = {"seconds": round(m.seconds, 1), "peak_gb": round(m.peak_rss / 2**30, 2), "rows": n_early}
        log(f"{name}: relmine ingest orders (rows before the cutoff): {m.seconds:.0f}s, peak RSS {gb(m.peak_rss)}, "
            f"exit {m.returncode}")
        if m.returncode != 0:
            print(m.stderr[-3000:], file=sys.stderr)
            raise SystemExit(1)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("NEO4J_", "RELMINE_"))})
    t = time.monotonic()
    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        skus, read = read_baskets(gw, progress=_every_50k)
        basket, product, day, undated = read.basket, read.product, read.day, read.undated
        graph = gw.read_one("bench/count_order_graph") or {}
    n = len(skus)
    index = {s: i for i, s in enumerate(skus)}
    log(f"{name}: read back {int(basket.max(initial=-1)) + 1:,} sale baskets ({undated:,} without a time), "
        f"{product.size:,} lines, {n:,} products ({time.monotonic() - t:.0f}s); the graph holds "
        f"{graph.get('pairs', 0):,} CO_PURCHASED")
    cut = F.to_days(np.datetime64(cutoff[:10]))
    t = time.monotonic()
    bl = F.baselines(basket, product, day, n, cut)
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result["baselines_seconds"], result["bench_peak_gb"] = round(time.monotonic() - t, 1), round(peak / 2**30, 2)
    log(f"{name}: baselines ({time.monotonic() - t:.0f}s, this process's peak RSS so far {gb(peak)}); re-ranker fitted at {np.datetime64(bl.train_cutoff, 'D')} "
        f"on {bl.reranker.examples:,} candidates, {bl.reranker.positives:,} of them new pairs by the cutoff")
    past_pairs = F.pair_keys(bl.snapshot.seen).size
    fb, fp = sale_baskets(late, index)
    targets = F.new_pairs(bl.snapshot.seen, F.cocounts(fb, fp, n), args.min_target_count)
    coverage = F.candidate_coverage(bl.snapshot.cand_src, bl.snapshot.cand_dst, targets, n)
    log(f"{name}: {past_pairs:,} pairs bought together before the cutoff; targets: {targets.size:,} new pairs bought "
        f"together at least {args.min_target_count} times after it; candidate coverage {coverage:.3f} "
        f"({F.N_TWO_HOP} two-hop by RA + {F.N_RECENT} by recent RA per product, "
        f"{bl.snapshot.cand_src.size:,} candidates)")
    result.update({"products": n, "baskets_before": int(basket.max(initial=-1)) + 1, "undated_baskets": undated,
                   "pairs_before": int(past_pairs), "targets": int(targets.size), "candidate_coverage": coverage,
                   "reranker": {"train_cutoff": str(np.datetime64(bl.train_cutoff, "D")),
                                "examples": bl.reranker.examples, "positives": bl.reranker.positives,
                                "weights": dict(zip(("bias",) + F.FEATURES, np.round(bl.reranker.weights, 4).tolist()))}})
    for b in BASELINES:
        result[b] = F.evaluate(bl.top[b], targets)
        log(f"{name}: {b}: " + ", ".join(f"{m} {result[b][m]:.4f}" for m in METRICS)
            + f", pairs: precision {result[b]['pair_precision']:.4f}, recall {result[b]['pair_recall']:.4f}")
    (out / "baselines.json").write_text(json.dumps(result, indent=1))

    runs = []
    for seed in range(args.seeds):
        if args.resume and seed == 0:
            run_id = args.resume
            log(f"{name}: relmine train --resume {run_id} through a real worker")
            m, peak, run = resume_through_worker(env, run_id, args.out / "worker-home" / f"{run_id}-resumed",
                                                 timeout=args.timeout)
        else:
            run_id = f"future-{name}-s{seed}-{int(time.time())}"
            train_args = ["--seed", str(seed)] + (["--epochs", str(args.epochs)] if args.epochs else [])
            log(f"{name}: relmine train {' '.join(train_args)} through a real worker (run {run_id})")
            m, peak, run = train_through_worker(env, train_args, run_id, args.out / "worker-home" / run_id,
                                                timeout=args.timeout, log=log)
        row = {"seed": seed, "resumed": bool(args.resume and seed == 0), "run": run_id, "status": run.get("status"), "seconds_to_done": round(m.seconds, 1),
               "worker_peak_gb": round(peak / 2**30, 2), "own_test": (run.get("metrics") or {}).get("test")}
        if row["status"] == "done":
            with Gateway(Settings.from_env(), app="relmine-bench") as gw:
                lists, info = predicted_lists(gw, run_id, index)
            row.update(F.evaluate(lists, targets))
            row["written"] = info
        runs.append(row)
        log(f"{name}: seed {seed}: {row['status']} in {m.seconds:.0f}s, worker peak {gb(peak)}"
            + ("; " + ", ".join(f"{k} {row[k]:.4f}" for k in METRICS) if "ndcg@10" in row else ""))
        (out / "runs.json").write_text(json.dumps(runs, indent=1))
    done = [r for r in runs if "ndcg@10" in r]
    result["runs"] = runs
    if done:
        result["model"] = {k: float(np.mean([r[k] for r in done]))
                           for k in METRICS + ("pair_precision", "pair_recall")}
        result["model"]["seeds"] = len(done)
    result["seconds_to_done"] = float(np.mean([r["seconds_to_done"] for r in runs])) if runs else None
    result["worker_peak_gb"] = float(max(r["worker_peak_gb"] for r in runs)) if runs else None
    return result


def table(name: str, r: dict, args) -> None:
    ra = r["ra"]
    print(f"\n{name}: orders before {r['cutoff']} ingested ({r['products']:,} products, {r['baskets_before']:,} "
          f"sale baskets, {r['pairs_before']:,} pairs); targets: {r['targets']:,} new pairs bought together at "
          f"least {args.min_target_count} times after it; candidate coverage {r['candidate_coverage']:.3f}")
    print(f"{'':<24}{'P@10':>9}{'R@10':>9}{'NDCG@10':>9}{'pair P':>10}{'pair R':>10}{'P/RA':>9}{'R/RA':>9}")
    for b in BASELINES:
        print(fmt_row(b, r[b], ra))
    for run in r.get("runs", []):
        label = f"model seed {run['seed']}"
        if "ndcg@10" in run:
            print(fmt_row(label, run, ra, f"   {run['seconds_to_done']:.0f} s to done, worker peak "
                                          f"{run['worker_peak_gb']:.2f} GB"))
        else:
            print(f"{label:<24}{run['status']} after {run['seconds_to_done']:.0f} s")
    if "model" in r:
        print(fmt_row(f"model, mean of {r['model']['seeds']}", r["model"], ra))
        best = {m: max(r[b][m] for b in STRONG) for m in METRICS}
        which = {m: max(STRONG, key=lambda b: r[b][m]) for m in METRICS}
        print("model / strongest baseline (of " + ", ".join(STRONG) + "): "
              + ", ".join(f"{m} {r['model'][m] / best[m]:.2f}x ({which[m]})" for m in METRICS))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=sorted(SETS), default="online_retail", help="a shared export and its cutoff")
    ap.add_argument("--data", type=Path, help="any raw order export (CSV/TSV, optionally gzipped) instead of --set")
    ap.add_argument("--cutoff", help="orders from this date on are the future (with --data; default per set)")
    ap.add_argument("--name", help="the set's name in the output (default: the file's stem)")
    ap.add_argument("--seeds", type=int, default=3, help="training runs, seeds 0..N-1")
    ap.add_argument("--epochs", type=int, default=0, help="relmine train --epochs (0: the default)")
    ap.add_argument("--min-target-count", type=int, default=2, help="a target pair is bought together this often")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "future", help="working folder")
    ap.add_argument("--skip-ingest", action="store_true", help="the pre-cutoff orders are already loaded")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per training run")
    ap.add_argument("--resume", metavar="RUN", help="seed 0 is run RUN, cut off before: resume it (relmine train "
                    "--resume) instead of a new run; its time and peak are the resumed part's")
    args = ap.parse_args()
    if args.data:
        if not args.cutoff:
            ap.error("--data needs --cutoff")
        name, data, cutoff = args.name or args.data.name.split(".")[0], args.data, args.cutoff
    else:
        file, cutoff = SETS[args.set]
        name, data, cutoff = args.name or args.set, DATA / file, args.cutoff or cutoff
    env = dict(os.environ)
    if args.seeds and not env.get("RELMINE_BROKER_URL"):
        ap.error("set RELMINE_BROKER_URL to a RabbitMQ the CLI and the worker share")
    r = run_set(name, data, cutoff, args, env)
    table(name, r, args)
    keep = ("candidate_coverage", "seconds_to_done", "worker_peak_gb", "targets", "products", "cutoff",
            "baselines_seconds", "bench_peak_gb")
    out = {k: r.get(k) for k in keep}
    for b in ("model",) + BASELINES:
        if b in r:
            out[b] = {m: round(r[b][m], 4) for m in METRICS + ("pair_precision", "pair_recall")}
    print(json.dumps({"sets": {name: out}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
