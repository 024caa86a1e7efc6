"""Training on a dense co-purchase graph: the recipe's old settings against its current ones, same run.

    python bench/train_dense.py --pull FILE            # once: pull the learning graph from Neo4j, save it
    python bench/train_dense.py --from-orders RAW.csv.gz --pull FILE   # or without Neo4j (an approximation)
    python bench/train_dense.py --graph FILE [--rounds 2] [--warmup 1] [--wall 0] [--profile]

The graph is what a ``relmine train`` worker learns from: every product and
the relations that pass :class:`relmine.learn.spec.TrainSpec`'s significance
filter (``--pull`` reads them with
:func:`relmine.learn.pull.pull_learning_graph` and the spec's defaults
and saves them with ``torch.save``, so the measurement needs no Neo4j). The
run's split (:func:`relmine.learn.pull.split_relations`, seed 0), its
training graph, its validation pairs and its 3-path mode are those of
:func:`relmine.learn.pipeline.pull_train_embed`; the model is
:func:`relmine.learn.pipeline.build_model` of the default spec.

* ``before``: the recipe as it was, passed explicitly (``epoch_positives=0``:
  every training pair every epoch; ``dense_fanout=0``: every step on the whole
  graph); it shares the current code otherwise (the sparse common-neighbour
  vote sum of :func:`relmine.gnn.model._sum_votes`, so the ratio understates
  the gain of this change; the runs of the notes also had a dense edge lookup
  in "after" and a binary search in "before", since dropped: no gain measured);
* ``after``: the recipe's current defaults (:func:`relmine.learn.pipeline.config_for`).

Rounds alternate the two (one epoch each, seed 0, fresh model; the first
round is a warm-up), so load on the shared machine hits both alike: target
edges per second of training time, seconds per epoch (training plus
validation), and the ratio after/before. ``--wall S`` then trains each
setting, one after the other, for about ``S`` seconds (whole epochs, early
stopping as configured) and reports the best validation Hits@50 and AUC
reached, so that speed is not bought with quality. ``--profile`` prints a
cProfile of one epoch of each. Peak RSS beside each figure; last line: a
JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def pull(out: Path) -> None:
    """Pull the learning graph as a worker does (TrainSpec defaults) and save it to ``out``."""
    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.learn.pull import pull_learning_graph
    from relmine.learn.partition import learnable_types
    from relmine.learn.spec import TrainSpec

    spec = TrainSpec()
    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        types = learnable_types(gw, spec.relation_types)
        lg = pull_learning_graph(gw, types, spec.relation_filter(), text_dim=spec.text_features)
    save(lg, types, out)


SERVICE = {"POST", "D", "M", "DOT", "BANK CHARGES", "AMAZONFEE", "CRUK", "C2", "PADS", "S", "B", "m"}


def from_orders(src: Path, out: Path) -> None:
    """Build the learning graph from a raw Online Retail export without Neo4j, and save it to ``out``.

    An approximation of ``relmine ingest orders`` followed by the worker's pull, for when ingesting
    through Neo4j is out of reach: an invoice is an order (``C``-invoices are returns), service codes
    are dropped, pairs are counted with relmine's own :func:`relmine.ingest.pairs.pair_counts`
    (``count``: orders holding both, ``weight``: ``sum 1/(basket size - 1)``) into ``CO_PURCHASED``
    and ``RETURNED_TOGETHER``, then :func:`relmine.learn.pull.undirected` and
    :func:`~relmine.learn.pull.significant` with TrainSpec's filter, and hashed
    title/price/degree features (:func:`relmine.learn.extract.node_features`).
    """
    import pandas as pd

    from relmine.ingest.pairs import pair_counts
    from relmine.learn.extract import node_features
    from relmine.learn.pull import LearningGraph, _dropped_pairs, significant, undirected
    from relmine.learn.spec import TrainSpec
    from relmine.relations import OBSERVED

    df = pd.read_csv(src, dtype={"InvoiceNo": str, "StockCode": str}, encoding="utf-8")
    df = df[~df["StockCode"].isin(SERVICE) & df["StockCode"].notna()]
    df["StockCode"] = df["StockCode"].str.upper()
    returns = df["InvoiceNo"].str.startswith("C")
    skus = sorted(df["StockCode"].unique())
    index = {s: i for i, s in enumerate(skus)}
    src_parts, dst_parts, type_parts, weight_parts, count_parts = [], [], [], [], []
    for rtype, part in (("CO_PURCHASED", df[~returns & (df["Quantity"] > 0)]),):  # RETURNED_TOGETHER is not learned from
        baskets = part.groupby("InvoiceNo")["StockCode"].apply(list).tolist()
        pc = pair_counts(baskets)
        a = np.array([index[pc.skus[i]] for i in pc.a.tolist()], dtype=np.int64)
        b = np.array([index[pc.skus[i]] for i in pc.b.tolist()], dtype=np.int64)
        src_parts.append(a), dst_parts.append(b)
        type_parts.append(np.full(a.size, OBSERVED.index(rtype), dtype=np.int64))
        weight_parts.append(pc.weight.astype(np.float32)), count_parts.append(pc.count.astype(np.float32))
    cat = np.concatenate
    pairs, ptype, pweight, pcount = undirected(cat(src_parts), cat(dst_parts), cat(type_parts), cat(weight_parts),
                                               len(skus), cat(count_parts))
    spec = TrainSpec()
    keep = significant(pairs, ptype, pweight, len(skus), spec.relation_filter(), counts=pcount)
    degree = np.bincount(pairs.reshape(-1), minlength=len(skus))
    first = df.groupby("StockCode").agg(title=("Description", "first"), price=("UnitPrice", "median"))
    rows = [{"sku": s, "title": str(first.at[s, "title"]) if s in first.index else "",
             "price": float(first.at[s, "price"]) if s in first.index else None, "degree": int(degree[i])}
            for i, s in enumerate(skus)]
    x = node_features(rows, spec.text_features)
    dropped = _dropped_pairs(pairs, keep, len(skus))
    types = [t for t in OBSERVED if OBSERVED.index(t) in set(ptype.tolist())]
    stats = {"products": len(skus), "relations_undirected": int(pairs.shape[1]), "relations_kept": int(keep.sum()),
             "kept_by_type": {OBSERVED[t]: int(c) for t, c in zip(*np.unique(ptype[keep], return_counts=True))},
             "features": "hashed", "filter": {"min_count": spec.min_count, "top_k": spec.top_k_relations},
             "source": f"bench/train_dense.py --from-orders {src.name} (no Neo4j)"}
    lg = LearningGraph(skus, x, pairs[:, keep], ptype[keep], pweight[keep], "hashed", stats, dropped)
    save(lg, types, out)


def save(lg, types, out: Path) -> None:
    torch.save({"skus": lg.skus, "x": lg.x, "pairs": torch.from_numpy(lg.pairs), "types": torch.from_numpy(lg.types),
                "weights": torch.from_numpy(lg.weights), "features": lg.features, "stats": lg.stats,
                "dropped": torch.from_numpy(lg.dropped), "relation_types": list(types)}, out)
    print(f"saved {out}: {json.dumps(lg.stats)}", flush=True)


def load(path: Path):
    """``(LearningGraph, relation types)`` saved by :func:`pull`."""
    from relmine.learn.pull import LearningGraph

    raw = torch.load(path, weights_only=False)
    lg = LearningGraph(raw["skus"], raw["x"], raw["pairs"].numpy(), raw["types"].numpy(), raw["weights"].numpy(),
                       raw["features"], raw["stats"], raw["dropped"].numpy())
    return lg, raw["relation_types"]


def setup(lg, types, seed: int = 0):
    """The worker's split, training graph, validation pairs and 3-path mode (relmine.learn.pipeline.pull_train_embed)."""
    from relmine.gnn.train import PairSet
    from relmine.learn.pull import split_relations
    from relmine.learn.pipeline import _local_types, paths3_mode_of
    from relmine.learn.spec import TrainSpec

    spec = TrainSpec(seed=seed)
    local = _local_types(types)[lg.types]
    split = split_relations(lg, seed=spec.seed, val_ratio=spec.val_ratio, test_ratio=spec.test_ratio)
    train_graph = lg.data(lg.pairs[:, split.train], local[split.train], lg.weights[split.train])
    return spec, train_graph, PairSet(train_graph, split.val_pos, split.val_neg), paths3_mode_of(lg)


def configs(spec, types):
    """``{"before": TrainConfig, "after": TrainConfig}``: the old recipe passed explicitly, and today's."""
    from relmine.learn.pipeline import config_for

    after = config_for(spec, types)
    before = replace(after, epoch_positives=0, dense_fanout=0)
    return {"before": before, "after": after}


def one_epoch(name, spec, types, lg, graph, val, config, profile: bool = False, steps: int = 0):
    """Train a fresh model one epoch; ``(EpochStats, train seconds, val seconds)``."""
    from relmine.gnn.train import train
    from relmine.learn.pipeline import build_model

    torch.manual_seed(spec.seed)
    model = build_model(spec, lg.x.size(1), len(types))
    config = replace(config, epochs=1)
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    result = train(model, [graph], config, val=val)
    if prof:
        prof.disable()
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(45)
        print(f"\n--- cProfile, one epoch of {name} ---\n{text.getvalue()}", flush=True)
    return result.history[-1]


def main(argv: list[str] | None = None) -> dict | None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pull", type=Path, help="pull the learning graph from Neo4j into this file, then stop")
    ap.add_argument("--from-orders", type=Path, help="build the graph from a raw order export without Neo4j "
                    "(an approximation of ingest + pull) into --pull's file, then stop")
    ap.add_argument("--graph", type=Path, help="a learning graph saved with --pull")
    ap.add_argument("--rounds", type=int, default=2, help="measured rounds (after --warmup rounds)")
    ap.add_argument("--warmup", type=int, default=1, help="warm-up rounds, not counted")
    ap.add_argument("--wall", type=float, default=0.0, help="seconds of training per setting for the quality check")
    ap.add_argument("--profile", action="store_true", help="cProfile one epoch of each setting")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = ap.parse_args(argv)
    if args.pull and args.from_orders:
        from_orders(args.from_orders, args.pull)
        return None
    if args.pull:
        pull(args.pull)
        return None
    if not args.graph or not args.graph.is_file():
        sys.exit("--graph FILE (saved with --pull) is needed")
    if args.threads:
        torch.set_num_threads(args.threads)

    from relmine.gnn.edges import paths3_forced

    lg, types = load(args.graph)
    spec, graph, val, paths3 = setup(lg, types)
    cfgs = configs(spec, types)
    n_train = int(graph.edge_index.size(1) // 2)
    print(f"graph: {lg.num_nodes:,} products, {lg.pairs.shape[1]:,} relations kept, {n_train:,} training pairs, "
          f"{val.pos.size(1):,} validation pairs; 3-path feature {paths3}; torch threads {torch.get_num_threads()}",
          flush=True)
    for name, c in cfgs.items():
        print(f"  {name}: epoch_positives={c.epoch_positives} dense_fanout={c.dense_fanout}", flush=True)
    out: dict = {"bench": "train_dense", "graph": {"products": lg.num_nodes, "relations": int(lg.pairs.shape[1]),
                                                   "train_pairs": n_train}, "paths3": paths3}
    rates: dict[str, list[float]] = {k: [] for k in cfgs}
    epoch_s: dict[str, list[float]] = {k: [] for k in cfgs}
    with paths3_forced(paths3):
        for r in range(1 - args.warmup, args.rounds + 1):
            line = []
            for name, c in cfgs.items():
                st = one_epoch(name, spec, types, lg, graph, val, c, profile=args.profile and r == 1 - args.warmup)
                if r > 0:
                    rates[name].append(st.edges_per_s)
                    epoch_s[name].append(st.seconds)
                line.append(f"{name} {st.edges_per_s:,.0f} edges/s, {st.seconds:.1f} s/epoch "
                            f"(val hits@50 {st.val:.4f})")
            print(f"{'warm-up' if r <= 0 else f'round {r}'}: " + " | ".join(line) +
                  f" | peak RSS {peak_rss_gb():.2f} GB", flush=True)
        if args.rounds:
            med = {k: statistics.median(v) for k, v in rates.items()}
            sec = {k: statistics.median(v) for k, v in epoch_s.items()}
            print(f"\ntarget edges/s: before {med['before']:,.0f}, after {med['after']:,.0f}, "
                  f"ratio {med['after'] / med['before']:.2f}x")
            print(f"seconds per epoch (train + validation): before {sec['before']:.1f}, after {sec['after']:.1f}, "
                  f"ratio {sec['before'] / sec['after']:.2f}x fewer")
            out.update(edges_per_s=med, seconds_per_epoch=sec, ratio_edges_per_s=med["after"] / med["before"],
                       ratio_seconds_per_epoch=sec["before"] / sec["after"],
                       ratio_per_round=[a / b for a, b in zip(rates["after"], rates["before"])])
        if args.wall:
            out["quality"] = {name: quality(name, spec, types, lg, graph, val, c, args.wall)
                              for name, c in cfgs.items()}
    out["peak_rss_gb"] = round(peak_rss_gb(), 3)
    print(json.dumps(out))
    return out


def quality(name, spec, types, lg, graph, val, config, wall: float) -> dict:
    """Train for about ``wall`` seconds (whole epochs); the best validation Hits@50 and AUC reached."""
    from relmine.gnn.train import evaluate_pairs, train
    from relmine.learn.pipeline import build_model

    torch.manual_seed(spec.seed)
    model = build_model(spec, lg.x.size(1), len(types))
    t0 = time.perf_counter()
    state = {"epochs": 0, "best": None}

    class Enough(Exception):
        pass

    def on_epoch(stats):
        state["epochs"] += 1
        state["best"] = stats.val if state["best"] is None else max(state["best"], stats.val)
        if time.perf_counter() - t0 > wall:
            raise Enough

    result = None
    try:
        result = train(model, [graph], config, val=val, on_epoch=on_epoch)
    except Enough:
        pass
    seconds = time.perf_counter() - t0
    # the best epoch's weights (train restores them; those of the last epoch reached when cut short)
    hits = evaluate_pairs(model, val, "hits@50")
    auc = evaluate_pairs(model, val, "auc")
    print(f"quality {name}: {state['epochs']} epochs in {seconds:.0f} s, last weights: validation hits@50 {hits:.4f}, "
          f"AUC {auc:.4f}; best epoch's hits@50 {state['best']:.4f} ({val.pos.size(1):,} validation pairs) "
          f"| peak RSS {peak_rss_gb():.2f} GB", flush=True)
    return {"epochs": state["epochs"], "seconds": round(seconds, 1), "val_hits@50": hits, "val_auc": auc,
            "best_epoch_val_hits@50": state["best"],
            "stopped_early": bool(result and result.stopped_early)}


if __name__ == "__main__":
    main()
