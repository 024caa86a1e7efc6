"""Do the embeddings ``relmine train`` writes tell products apart? Concentration and substitute retrieval.

    python bench/embeddings.py [--sets demo,gift-cards] [--epochs 10] [--holdout 0.1] [--seed 0]
                               [--contrast-weights 0,1] [--out out/embeddings]

Per data set (the database is wiped first):

1. The substitute-like pairs (``CO_VIEWED`` on the demo catalogue,
   ``ALSO_VIEWED`` from ``also_view`` on Gift Cards) are split *before
   ingest*: a seeded ``--holdout`` share of them is never ingested, so the
   model neither trains on them nor passes messages over them.
   * ``demo``: ``relmine generate --products 2000 --orders 20000 --seed 7``
     (scripts/demo_pipeline.sh), then ``ingest catalog``, ``ingest orders``,
     ``ingest edges --type CO_VIEWED`` of the kept co-views.
   * ``gift-cards``: ``../shared/data/meta_Gift_Cards.json.gz`` with the
     held-out partners removed from ``also_view`` (both directions), through
     ``relmine ingest amazon-meta``.
2. ``relmine train --epochs E --seed S --wait`` through a real worker.
3. Measured on the same products, in the same run, for four spaces:
   ``written`` (``p.embedding`` as written back), ``raw encoder`` (the run's
   stored encoder output, what was written before the centring fix),
   ``input features`` (the model's input, the named baseline) and
   ``random`` (Gaussian, same width): concentration (mean cosine within and
   across categories, the 5 nearest neighbours' cosines and their spread)
   and Hits@10 by cosine of the held-out pairs (both directions, over all
   products). Plus ``relmine neighbours`` and ``relmine recommend --kind
   substitute`` (top 5) on one product.

Last line: a JSON object with every figure.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import wipe  # noqa: E402
from bench.userpath import Worker, cli, gb, run_record  # noqa: E402

DATA = Path(os.environ.get("RELMINE_DATA") or ROOT.parent / "shared" / "data")
SPACES = ("written", "raw encoder", "input features", "random")


def log(msg: str) -> None:
    print(f"[embeddings {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _split(pairs: list[tuple[str, str]], share: float, seed: int) -> tuple[set, set]:
    """(kept, held) undirected pairs; ``share`` of them held out, seeded."""
    uniq = sorted({tuple(sorted(p)) for p in pairs if p[0] != p[1]})
    rng = np.random.default_rng(seed)
    held_idx = set(rng.permutation(len(uniq))[:int(round(share * len(uniq)))].tolist())
    held = {uniq[i] for i in held_idx}
    return {p for p in uniq if p not in held}, held


def prepare_demo(out: Path, share: float, seed: int, env: dict) -> tuple[list[list[str]], set, str]:
    data = out / "data"
    m = cli(["generate", "--products", "2000", "--orders", "20000", "--seed", "7", "--out", str(data)], env)
    if m.returncode:
        raise SystemExit(m.stderr[-2000:])
    with open(data / "co_viewed.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    kept, held = _split([(r[0], r[1]) for r in body], share, seed)
    with open(data / "co_viewed_kept.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(r for r in body if tuple(sorted((r[0], r[1]))) not in held)
    with open(data / "catalog.csv", newline="") as f:
        sku = next(iter(csv.DictReader(f)))["sku"]
    cmds = [["ingest", "catalog", str(data / "catalog.csv"), "--no-progress"],
            ["ingest", "orders", str(data / "orders.csv"), "--no-progress"],
            ["ingest", "edges", str(data / "co_viewed_kept.csv"), "--type", "CO_VIEWED", "--no-progress"]]
    log(f"demo: {len(kept) + len(held):,} co-viewed pairs, {len(held):,} held out before ingest")
    return cmds, held, sku


def prepare_gift_cards(out: Path, share: float, seed: int, env: dict) -> tuple[list[list[str]], set, str]:
    src = DATA / "meta_Gift_Cards.json.gz"
    with gzip.open(src, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    asins = {r["asin"] for r in records}
    pairs = [(r["asin"], o) for r in records for o in (r.get("also_view") or []) if o in asins]
    kept, held = _split(pairs, share, seed)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "meta_Gift_Cards_kept.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for r in records:
            r = dict(r)
            r["also_view"] = [o for o in (r.get("also_view") or [])
                              if tuple(sorted((r["asin"], o))) not in held]
            f.write(json.dumps(r) + "\n")
    log(f"gift-cards: {len(kept) + len(held):,} also-viewed pairs between listed products, "
        f"{len(held):,} held out before ingest")
    return [["ingest", "amazon-meta", str(path), "--no-progress"]], held, sorted(asins)[0]


PREPARE = {"demo": prepare_demo, "gift-cards": prepare_gift_cards}


def spaces(run_id: str, seed: int) -> tuple[list[str], list[str], dict]:
    """(skus, categories, {space: [N, C] array}) over the products with a written embedding."""
    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.learn.pipeline import _local_types, full_graph_outputs, get_run, load_model, pull_run_graph

    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        rows = gw.read("learn/product_embeddings")
        model = load_model(gw, run_id)  # a done run's artifacts are deleted: its raw output is encoded again
        spec, types, lg = pull_run_graph(gw, get_run(gw, run_id))
    assert all(r["run"] == run_id for r in rows), "p.embedding of another run"
    encoded, _ = full_graph_outputs(model, lg, _local_types(types)[lg.types], spec.max_step_edges)
    skus = [r["sku"] for r in rows]
    x_at = {s: i for i, s in enumerate(lg.skus)}
    written = np.asarray([r["embedding"] for r in rows], dtype=np.float64)
    raw = encoded.double().numpy()[[x_at[s] for s in skus]]
    feats = lg.x.double().numpy()[[x_at[s] for s in skus]]
    rnd = np.random.default_rng(seed).standard_normal(written.shape)
    return skus, [r["category"] for r in rows], {"written": written, "raw encoder": raw,
                                                  "input features": feats, "random": rnd}


def measure(name: str, args, env: dict) -> dict:
    from relmine.gnn.embedspace import concentration, neighbour_hits_at_k

    out = args.out / name
    cmds, held, sku = PREPARE[name](out, args.holdout, args.seed, env)
    wipe()
    stages = {}
    for cmd in cmds:
        m = cli(cmd, env, timeout=1800)
        stages[" ".join(cmd[:2])] = round(m.seconds, 1)
        log(f"{' '.join(cmd[:2])}: {m.seconds:.0f}s, exit {m.returncode}")
        if m.returncode:
            raise SystemExit(m.stderr[-3000:])
    table, runs = {}, []
    for weight in args.contrast_weights:
        run_id = f"emb-{name}-s{args.seed}-c{weight:g}-{int(time.time())}"
        extra = ["--contrast-weight", f"{weight:g}"] if weight else []
        with Worker(env, out / "worker-home") as worker:
            m = cli(["train", "--epochs", str(args.epochs), "--seed", str(args.seed), "--run-id", run_id, "--wait",
                     "--timeout", str(int(args.timeout)), *extra], env, timeout=args.timeout + 120,
                    log=lambda line: log(f"  {line}"))
            peak = worker.peak_rss()
            if m.returncode:
                raise SystemExit(worker.tail())
        run = run_record(env, run_id)
        log(f"{name}: trained {run_id} in {m.seconds:.0f}s, worker peak RSS {gb(peak)}")
        # read now: the next run's switch replaces p.embedding
        skus, cats, sp = spaces(run_id, args.seed)
        at = {s: i for i, s in enumerate(skus)}
        pairs = np.asarray([[at[a] for a, b in held if a in at and b in at],
                            [at[b] for a, b in held if a in at and b in at]], dtype=np.int64).reshape(2, -1)
        label = "written" if not weight else f"written, contrast {weight:g}"
        for space, h in sp.items():
            if runs and space != "written":
                continue  # the input features and a random space do not depend on the run
            c = concentration(h, cats, k=5, seed=args.seed)
            c["hits@10"] = neighbour_hits_at_k(h, pairs, k=10)
            table[label if space == "written" else space] = c
        runs.append({"contrast_weight": weight, "run": run_id, "train_seconds": round(m.seconds, 1),
                     "worker_peak_rss": peak, "test": (run.get("metrics") or {}).get("test")})
    neighbours = cli(["neighbours", sku, "-k", "5"], env, timeout=300)
    recommend = cli(["recommend", sku, "--kind", "substitute", "-k", "5"], env, timeout=300)
    q = at[sku]
    top = {}
    for space in ("raw encoder", "written"):  # of the last run
        u = sp[space] / np.linalg.norm(sp[space], axis=1, keepdims=True)
        sim = u @ u[q]
        sim[q] = -np.inf
        order = np.argsort(-sim)[:5]
        top[space] = [(skus[i], round(float(sim[i]), 4)) for i in order]
    return {"set": name, "run": run_id, "runs": runs, "products": len(skus), "held_out_pairs": int(len(held)),
            "held_out_scored": int(pairs.shape[1]), "categories": len(set(cats)), "train_seconds": round(m.seconds, 1),
            "worker_peak_rss": peak, "stages": stages, "table": table, "query": sku, "top5": top,
            "neighbours_cli": neighbours.stdout.strip().splitlines(),
            "recommend_cli": recommend.stdout.strip().splitlines(), "test": (run.get("metrics") or {}).get("test")}


def print_table(r: dict) -> None:
    print(f"\n{r['set']}: {r['products']:,} products, {r['categories']} categories, "
          f"{r['held_out_scored']:,} held-out substitute pairs (held out before ingest), run {r['run']}")
    cols = ("within", "across", "nn_mean", "nn_min", "nn_max", "nn_spread", "hits@10")
    print(f"{'space':<16}" + "".join(f"{c:>11}" for c in cols))
    for space, v in r["table"].items():
        print(f"{space:<16}" + "".join(f"{v[c]:>11.4f}" for c in cols))
    base = r["table"]["input features"]["hits@10"]
    for label, v in r["table"].items():
        if label.startswith("written") and base > 0:
            print(f"Hits@10 of {label} vs input features (baseline): {v['hits@10'] / base:.2f}x")
    for run in r["runs"]:
        test = run["test"] or {}
        model = test.get("model", test)
        print(f"contrast {run['contrast_weight']:g}: run {run['run']}, {run['train_seconds']}s, worker peak "
              f"{gb(run['worker_peak_rss'])}, test {json.dumps(model, sort_keys=True)[:300]}")
    for space, top in r["top5"].items():
        print(f"5 nearest of {r['query']} ({space}): " + ", ".join(f"{s} {c:.4f}" for s, c in top))
    print("relmine neighbours " + r["query"] + " -k 5:")
    for line in r["neighbours_cli"]:
        print("  " + line)
    print("relmine recommend " + r["query"] + " --kind substitute -k 5:")
    for line in r["recommend_cli"]:
        print("  " + line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="demo,gift-cards", help="comma-separated: demo, gift-cards")
    ap.add_argument("--epochs", type=int, default=10, help="relmine train --epochs")
    ap.add_argument("--holdout", type=float, default=0.1, help="share of substitute pairs held out before ingest")
    ap.add_argument("--seed", type=int, default=0, help="seed of the hold-out, the training and the random space")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "embeddings", help="working folder")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per training run")
    ap.add_argument("--contrast-weights", default="0",
                    help="comma-separated relmine train --contrast-weight values, one run each (0: off, the baseline)")
    args = ap.parse_args()
    args.contrast_weights = [float(w) for w in args.contrast_weights.split(",") if w.strip()]
    env = dict(os.environ)
    results = []
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        if name not in PREPARE:
            ap.error(f"unknown set {name!r} (choose from {', '.join(PREPARE)})")
        results.append(measure(name, args, env))
        print_table(results[-1])
    ratio = {r["set"]: {label: (v["hits@10"] / r["table"]["input features"]["hits@10"]
                                if r["table"]["input features"]["hits@10"] > 0 else None)
                        for label, v in r["table"].items() if label.startswith("written")} for r in results}
    print(json.dumps({"results": results, "hits10_written_over_input_features": ratio}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
