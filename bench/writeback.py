"""Write-back throughput: what each of its two choices buys, against the way it was done before, same run.

    python bench/writeback.py [--run RUN] [--products 10000] [--rounds 3]
                              [--edges ../shared/data/amazon0302.txt.gz] [--blocks 30]

Two measurements, each alternating the baseline and relmine's way so that load
drifts on a shared machine hit them alike (the first round is a warm-up; medians):

* ``partition`` (needs ``--run``, a done training run in the graph that
  ``NEO4J_URI`` names): :func:`relmine.learn.writeback.write_partition` of the
  run's first ``--products`` products, its writes **in turn** after each batch
  is scored (the baseline, ``background=False``) against writes on a
  **background thread** while the next blocks are scored. The run's model
  and learning graph are read back and its outputs recomputed, exactly as
  its embed tasks do; both ways write the same rows (idempotent: the first
  round creates the ``[:PREDICTED]``, later ones match them).
* ``candidates`` (no database): the two-hop candidates of ``--blocks`` blocks
  of products of a large sparse edge list (default the shared amazon0302),
  resource allocation summed in **dense rows** over every product (the
  baseline) against summed **per distinct pair** (what
  :func:`~relmine.learn.writeback.candidate_pairs` picks when the walks are
  few), with random 64-dim vectors for the embedding neighbours.

Prints products/s and the ratio for each, the peak RSS of this process, and a
JSON object as the last line.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RELMINE_DATA") or ROOT.parent / "shared" / "data")


def partition_figures(run_id: str, products: int, rounds: int) -> dict:
    import torch

    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.gnn.edges import paths3_forced
    from relmine.learn.pipeline import _local_types, full_graph_outputs, get_run, load_model, pull_run_graph
    from relmine.learn.writeback import Bundle, write_partition

    gw = Gateway(Settings.from_env(), app="relmine-bench")
    run = get_run(gw, run_id)
    if run.get("status") != "done":
        sys.exit(f"run {run_id} is {run.get('status')}: give a done training run (`relmine runs`)")
    model = load_model(gw, run_id)
    spec, types, lg = pull_run_graph(gw, run)  # the run's graph, pulled again with its own settings
    emb, att = full_graph_outputs(model, lg, _local_types(types)[lg.types], spec.max_step_edges)
    paths3 = json.loads(run["metrics"]).get("paths3")
    bundle = Bundle(lg.skus, torch.from_numpy(lg.pairs), torch.from_numpy(lg.types), emb, att, list(types),
                    paths3, torch.from_numpy(lg.dropped))
    core = lg.skus[:products]
    print(f"partition: run {run_id}, {len(core):,} of {len(lg.skus):,} products, "
          f"{lg.pairs.shape[1]:,} relations", flush=True)
    seconds: dict[str, list[float]] = {"in turn": [], "background": []}
    with paths3_forced(paths3):
        for r in range(rounds + 1):
            for name, background in (("in turn", False), ("background", True)):
                t0 = time.perf_counter()
                out = write_partition(gw, run_id, model, bundle, core, top_k=spec.top_k, background=background)
                dt = time.perf_counter() - t0
                print(f"  {'warm-up' if r == 0 else f'round {r}'} {name}: {dt:.1f} s ({len(core) / dt:,.0f} "
                      f"products/s; scoring {out['seconds_score']} s, writes {out['seconds_write']} s)", flush=True)
                if r:
                    seconds[name].append(dt)
    gw.close()
    base, ours = statistics.median(seconds["in turn"]), statistics.median(seconds["background"])
    return {"run": run_id, "products": len(core), "baseline_s": base, "relmine_s": ours, "ratio": base / ours,
            "baseline": "writes in turn after scoring", "seconds": seconds}


def read_edges(path: Path):
    import numpy as np

    with gzip.open(path, "rt") if path.suffix == ".gz" else open(path) as f:  # as bench/motifs.py reads it
        e = np.loadtxt(f, dtype=np.int64, comments="#", usecols=(0, 1))
    src, dst = e[:, 0], e[:, 1]
    n = int(e.max()) + 1
    key = np.unique(np.minimum(src, dst) * n + np.maximum(src, dst))
    return np.stack([key // n, key % n]), n


def candidate_figures(path: Path, blocks: int, rounds: int) -> dict:
    import torch

    from relmine.learn import writeback

    pairs, n = read_edges(path)
    torch.manual_seed(0)
    bundle = writeback.Bundle([str(i) for i in range(n)], torch.from_numpy(pairs), torch.zeros(pairs.shape[1],
                              dtype=torch.long), torch.randn(n, 64), torch.zeros(pairs.shape[1]), ["CO_PURCHASED"])
    spread = torch.arange(0, n, max(1, n // (blocks * 256)))  # products across the catalogue
    chosen = writeback._blocks(bundle.adj, spread)[:blocks]
    products = sum(b.numel() for b in chosen)
    print(f"candidates: {path.name}, {n:,} products, {pairs.shape[1]:,} pairs, {len(chosen)} blocks, "
          f"{products:,} products", flush=True)
    seconds: dict[str, list[float]] = {"dense rows": [], "per pair": []}
    got: dict[str, list] = {}
    share = writeback.SPARSE_SHARE
    try:
        with torch.no_grad():
            for r in range(rounds + 1):
                for name, s in (("dense rows", 0.0), ("per pair", float("inf"))):
                    writeback.SPARSE_SHARE = s
                    t0 = time.perf_counter()
                    got[name] = [writeback.candidate_pairs(bundle.adj, bundle.written, b, observed=bundle.observed,
                                                           normalised=True) for b in chosen]
                    dt = time.perf_counter() - t0
                    print(f"  {'warm-up' if r == 0 else f'round {r}'} {name}: {products / dt:,.0f} products/s",
                          flush=True)
                    if r:
                        seconds[name].append(dt)
    finally:
        writeback.SPARSE_SHARE = share
    keys = {name: set(torch.cat([c[0] * n + c[1] for c in cands]).tolist()) for name, cands in got.items()}
    base, ours = statistics.median(seconds["dense rows"]), statistics.median(seconds["per pair"])
    return {"edges": path.name, "products": products, "baseline_s": base, "relmine_s": ours, "ratio": base / ours,
            "baseline": "dense rows", "candidates": {k: len(v) for k, v in keys.items()},
            "shared_candidates": len(keys["dense rows"] & keys["per pair"]), "seconds": seconds}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", help="a done training run: measure the partition write-back on it")
    ap.add_argument("--products", type=int, default=10_000, help="products of the run's partition measured")
    ap.add_argument("--edges", type=Path, default=DATA / "amazon0302.txt.gz", help="edge list for the candidates")
    ap.add_argument("--blocks", type=int, default=30, help="blocks of products for the candidates")
    ap.add_argument("--rounds", type=int, default=2, help="measured rounds (after one warm-up)")
    args = ap.parse_args(argv)
    out: dict = {"bench": "writeback"}
    if args.run:
        out["partition"] = partition_figures(args.run, args.products, args.rounds)
    if args.edges.is_file():
        out["candidates"] = candidate_figures(args.edges, args.blocks, args.rounds)
    else:
        print(f"{args.edges} is absent: candidates not measured")
    out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    for key, label in (("partition", "partition write-back, background writes vs in turn"),
                       ("candidates", "two-hop candidates, per pair vs dense rows")):
        if key in out:
            print(f"{label}: {out[key]['ratio']:.2f}x")
    print(f"peak RSS {out['peak_rss'] / 2**30:.2f} GB")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
