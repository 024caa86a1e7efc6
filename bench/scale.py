"""Scale of the user path: ingest, ``relmine train --epochs 1`` through a real worker, write-back.

    python bench/scale.py [--sets gen:10000,gen:100000,gen:1000000,amazon0302] [--orders-per-product 5]
                          [--epochs 1] [--stage-timeout 1800] [--out out/scale]

Every set starts from an empty database (it is wiped) and runs what a user
runs, each command a process of its own:

* ``gen:N``: ``relmine generate --products N --orders N*orders-per-product``, then
  ``relmine ingest catalog`` and ``relmine ingest orders`` with default options;
* ``amazon0302``: ``relmine ingest edges --type CO_PURCHASED`` of the shared SNAP file;
* ``online-retail``: ``relmine ingest orders`` of the shared Online Retail export (default options);
* then ``relmine train --epochs E --wait`` (defaults otherwise) through a fresh real worker.

Per stage it prints wall time and peak RSS (the CLI process for ingest, the
worker for training: pull, train, test and exact embedding inside the train
task, then the write-back tasks), and, over the ``gen:`` sizes, each stage's
growth exponent ``b`` of ``time ~ size^b`` (least squares on the logs). A
stage over ``--stage-timeout`` stops that set, and the report says so. Last
line: a JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.userpath import cli, gb, train_through_worker  # noqa: E402

DATA = Path(os.environ.get("RELMINE_DATA") or ROOT.parent / "shared" / "data")


def log(msg: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def wipe() -> None:
    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.schema import apply_schema, empty_graph

    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        empty_graph(gw)
        apply_schema(gw)


def stage(rows: list, name: str, args: list[str], env: dict, timeout: float) -> bool:
    m = cli(args, env, timeout=timeout, log=None)
    ok = m.returncode == 0
    rows.append({"stage": name, "seconds": round(m.seconds, 1), "peak_rss": m.peak_rss,
                 "status": "ok" if ok else ("timeout" if m.returncode == 124 else f"exit {m.returncode}")})
    log(f"{name}: {m.seconds:,.0f}s, peak RSS {gb(m.peak_rss)}, {rows[-1]['status']}")
    if not ok:
        log((m.stderr or m.stdout)[-1500:])
    return ok


def run_set(name: str, args, env: dict, out: Path) -> dict:
    rows: list[dict] = []
    result = {"set": name, "stages": rows}
    work = out / name.replace(":", "-")
    work.mkdir(parents=True, exist_ok=True)
    t = args.stage_timeout
    if args.train_only:
        log("--train-only: the graph in the database is trained as it is")
    else:
        wipe()
    if args.train_only:
        pass
    elif name.startswith("gen:"):
        n = int(name[4:])
        result["products"] = n
        if not (work / "orders.csv").exists():
            if not stage(rows, "generate", ["generate", "--products", str(n), "--orders",
                                            str(n * args.orders_per_product), "--out", str(work)], env, t):
                return result
        if not stage(rows, "ingest catalog", ["ingest", "catalog", str(work / "catalog.csv")], env, t):
            return result
        with open(work / "orders.csv") as f:
            result["order_lines"] = sum(1 for _ in f) - 1
        if not stage(rows, "ingest orders", ["ingest", "orders", str(work / "orders.csv")], env, t):
            return result
    elif name == "amazon0302":
        if not stage(rows, "ingest edges", ["ingest", "edges", str(DATA / "amazon0302.txt.gz"), "--type",
                                            "CO_PURCHASED"], env, t):
            return result
    elif name == "online-retail":
        if not stage(rows, "ingest orders", ["ingest", "orders", str(DATA / "online_retail_2010_2011.csv.gz")],
                     env, t):
            return result
    else:
        raise SystemExit(f"unknown set {name!r}")
    run_id = f"train-scale-{name.replace(':', '-')}-{int(time.time())}"
    m, peak, run = train_through_worker(env, ["--epochs", str(args.epochs), *args.train_arg], run_id,
                                        out / "worker-home" / run_id, timeout=t, log=log)
    met = run.get("metrics") or {}
    graph = json.loads(run["graph"]) if run.get("graph") else {}
    result.update({"run": run_id, "status": run["status"], "error": run.get("error"), "graph": graph,
                   "test": met.get("test"), "train_wall_s": round(m.seconds, 1), "worker_peak_rss": peak})
    for key, label in (("seconds_pull", "pull"), ("seconds_train", "train"), ("seconds_embed", "embed")):
        if key in met:
            rows.append({"stage": f"train: {label}", "seconds": round(met[key], 1), "peak_rss": None,
                         "status": "ok"})
    rows.append({"stage": "train (whole, to done)", "seconds": round(m.seconds, 1), "peak_rss": peak,
                 "status": run["status"]})
    log(f"train: {m.seconds:,.0f}s to {run['status']}, worker peak RSS {gb(peak)}")
    return result


def exponents(results: list[dict]) -> dict:
    """Per stage, b in time ~ products^b over the gen: sets that finished it (least squares on the logs)."""
    series: dict[str, list[tuple[float, float]]] = {}
    for r in results:
        if "products" not in r:
            continue
        for row in r["stages"]:
            if row["status"] in ("ok", "done") and row["seconds"] > 0:
                series.setdefault(row["stage"], []).append((math.log(r["products"]), math.log(row["seconds"])))
    out = {}
    for name, pts in series.items():
        if len(pts) >= 2:
            mx = sum(p[0] for p in pts) / len(pts)
            my = sum(p[1] for p in pts) / len(pts)
            den = sum((p[0] - mx) ** 2 for p in pts)
            out[name] = round(sum((p[0] - mx) * (p[1] - my) for p in pts) / den, 2) if den else None
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="gen:10000,gen:100000,gen:1000000,amazon0302",
                    help="comma-separated: gen:N, amazon0302, online-retail")
    ap.add_argument("--orders-per-product", type=int, default=5, help="orders generated per product")
    ap.add_argument("--epochs", type=int, default=1, help="relmine train --epochs")
    ap.add_argument("--stage-timeout", type=float, default=1800, help="seconds before a stage is stopped")
    ap.add_argument("--train-arg", action="append", default=[], help="extra relmine train argument (repeatable)")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "scale", help="working folder")
    ap.add_argument("--train-only", action="store_true", help="train the graph already loaded (one set)")
    args = ap.parse_args()
    env = dict(os.environ)
    results = []
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        log(f"set {name}")
        results.append(run_set(name, args, env, args.out))
        if any(row["status"] not in ("ok", "done") for row in results[-1]["stages"]):
            log(f"set {name} stopped at a stage (see above)")
    print(f"{'set':<16}{'stage':<26}{'seconds':>10}{'peak RSS':>12}  status")
    for r in results:
        for row in r["stages"]:
            rss = gb(row["peak_rss"]) if row["peak_rss"] else "-"
            print(f"{r['set']:<16}{row['stage']:<26}{row['seconds']:>10,.1f}{rss:>12}  {row['status']}")
        if r.get("test"):
            m, ra = r["test"]["model"], r["test"]["ra"]
            print(f"{r['set']:<16}test: model AUC {m['auc']:.4f} Hits@50 {m['hits@50']:.4f} | RA AUC {ra['auc']:.4f} "
                  f"Hits@50 {ra['hits@50']:.4f}; kept {r['graph'].get('relations_kept', 0):,} of "
                  f"{r['graph'].get('relations_undirected', 0):,} relations")
    growth = exponents(results)
    if growth:
        print("growth exponents (time ~ products^b): " + ", ".join(f"{k} {v}" for k, v in growth.items()))
    print(json.dumps({"sets": results, "growth_exponents": growth}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
