"""Amazon Photo through the production path: ``relmine ingest`` then ``relmine train`` per seed, real worker.

    python bench/train_photo.py [--seeds 0,1,2] [--epochs 100] [--out out/train_photo]
                                [--evaluate-json out/evaluate_photo/evaluation.json]

1. Writes Photo (``../shared/data/amazon_photo.npz``) as the files a user
   would have: ``catalog.csv`` (sku, category = the product's class, and its
   745 bag-of-words values in a ``features`` column) and ``edges.csv``
   (co-purchase pairs), then ``relmine ingest catalog`` and
   ``relmine ingest edges --type CO_PURCHASED`` (the database is wiped first).
2. Per seed, ``relmine train --seed S --wait`` (recipe defaults otherwise)
   through a real worker; the run's own test figures are read back from its
   ``(:Run)``: the model and RA on the run's held-out slice.
3. Prints the table, mean ± std over seeds, beside ``relmine evaluate``'s
   figures when ``--evaluate-json`` names its ``evaluation.json``, and the
   bar (model Hits@50 at least 0.10 above RA's, AUC at least 0.98). Last
   line: a JSON object.
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

from bench.scale import wipe  # noqa: E402
from bench.userpath import cli, gb, train_through_worker  # noqa: E402

DATA = Path(os.environ.get("RELMINE_DATA") or ROOT.parent / "shared" / "data")
COLUMNS = ("auc", "hits@20", "hits@50", "hits@100", "mrr")


def log(msg: str) -> None:
    print(f"[train_photo {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def write_files(npz: Path, out: Path) -> tuple[int, int]:
    """Photo as catalog.csv (sku, category, features) and edges.csv (src, dst); returns (products, pairs)."""
    import csv

    import scipy.sparse as sp

    d = np.load(npz, allow_pickle=False)
    n = int(d["adj_shape"][0])
    adj = sp.csr_matrix((d["adj_data"], d["adj_indices"], d["adj_indptr"]), shape=(n, n))
    attr = sp.csr_matrix((d["attr_data"], d["attr_indices"], d["attr_indptr"]),
                         shape=tuple(int(v) for v in d["attr_shape"])).toarray()
    names = [str(c) for c in d["class_names"]]
    labels = d["labels"]
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "catalog.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku", "category", "features"])
        for i in range(n):
            w.writerow([f"photo-{i:05d}", names[int(labels[i])], " ".join(f"{v:g}" for v in attr[i])])
    upper = sp.triu(((adj + adj.T) > 0).astype(np.int8), k=1).tocoo()
    with open(out / "edges.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["src", "dst"])
        for a, b in zip(upper.row, upper.col):
            w.writerow([f"photo-{a:05d}", f"photo-{b:05d}"])
    return n, int(upper.nnz)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0,1,2", help="comma-separated seeds, one run each")
    ap.add_argument("--epochs", type=int, default=None, help="relmine train --epochs (default: the recipe's)")
    ap.add_argument("--data", type=Path, default=DATA / "amazon_photo.npz", help="the Photo npz")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "train_photo", help="working folder")
    ap.add_argument("--evaluate-json", type=Path, default=None, help="relmine evaluate's evaluation.json")
    ap.add_argument("--skip-ingest", action="store_true", help="Photo is already loaded: train only")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per run")
    args = ap.parse_args()
    env = dict(os.environ)
    stages = {}
    if not args.skip_ingest:
        wipe()
        n, pairs = write_files(args.data, args.out)
        log(f"wrote {n:,} products and {pairs:,} pairs under {args.out}")
        for name, cmd in (("ingest catalog", ["ingest", "catalog", str(args.out / "catalog.csv")]),
                          ("ingest edges", ["ingest", "edges", str(args.out / "edges.csv"), "--type",
                                            "CO_PURCHASED"])):
            m = cli(cmd, env, timeout=3600)
            stages[name] = {"seconds": round(m.seconds, 1), "peak_rss": m.peak_rss}
            log(f"{name}: {m.seconds:.0f}s, peak RSS {gb(m.peak_rss)}, exit {m.returncode}")
            if m.returncode != 0:
                print(m.stderr[-3000:], file=sys.stderr)
                return 1
    runs = []
    for seed in [int(s) for s in args.seeds.split(",") if s.strip()]:
        run_id = f"train-photo-s{seed}-{int(time.time())}"
        train_args = ["--seed", str(seed)] + (["--epochs", str(args.epochs)] if args.epochs else [])
        m, peak, run = train_through_worker(env, train_args, run_id, args.out / "worker-home" / run_id,
                                            timeout=args.timeout, log=log)
        met = run.get("metrics") or {}
        runs.append({"seed": seed, "run": run_id, "status": run["status"], "test": met.get("test"),
                     "graph": json.loads(run["graph"]) if run.get("graph") else None,
                     "best_epoch": met.get("best_epoch"), "epochs_run": met.get("epochs_run"),
                     "seconds": round(m.seconds, 1), "worker_peak_rss": peak})
        t = met.get("test") or {}
        log(f"seed {seed}: {run['status']} in {m.seconds:.0f}s, best epoch {met.get('best_epoch')}; model "
            f"{t.get('model')}; RA {t.get('ra')}")
    done = [r for r in runs if r["test"]]
    table = {}
    for method in ("model", "ra", "aa", "cn"):
        if done:
            vals = {c: [r["test"][method][c] for r in done] for c in COLUMNS}
            table[method] = {c: (float(np.mean(v)), float(np.std(v))) for c, v in vals.items()}
    reference = None
    if args.evaluate_json and args.evaluate_json.exists():
        summary = json.loads(args.evaluate_json.read_text())["summary"]
        reference = {"model (relmine evaluate)": {c: (summary["GAT (relmine)"][c]["mean"], summary["GAT (relmine)"][c]["std"])
                                                  for c in COLUMNS},
                     "RA (relmine evaluate)": {c: (summary["RA"][c]["mean"], summary["RA"][c]["std"]) for c in COLUMNS}}
    print(f"Amazon Photo through relmine ingest + relmine train, seeds {[r['seed'] for r in done]} (mean ± std)")
    print(f"{'method':<28}" + "".join(f"{c:>18}" for c in COLUMNS))
    rows = {f"{m} (relmine train)": v for m, v in table.items()}
    rows.update(reference or {})
    for name, vals in rows.items():
        print(f"{name:<28}" + "".join(f"{vals[c][0]:.4f} ± {vals[c][1]:.4f}".rjust(18) for c in COLUMNS))
    bar = None
    if "model" in table:
        margin = table["model"]["hits@50"][0] - table["ra"]["hits@50"][0]
        bar = {"hits50_margin_over_ra": margin, "auc": table["model"]["auc"][0],
               "met": margin >= 0.10 and table["model"]["auc"][0] >= 0.98}
        print(f"bar: Hits@50 margin over RA {margin:+.4f} (need +0.10), AUC {bar['auc']:.4f} (need 0.98) -> "
              f"{'MET' if bar['met'] else 'NOT MET'}")
    print(json.dumps({"stages": stages, "runs": runs, "table": table, "reference": reference, "bar": bar}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
