"""Training throughput: relmine's training loop against a bare PyG GATConv loop, same graph, same run.

    python bench/train.py [--rounds 4] [--device auto] [--threads 0]

Graph: the training edges of Amazon Photo (seed-0 85/5/10 split, 101k
undirected edges, 7,650 nodes, 745 features). Throughput is *positive
training edges per second* of training time (validation excluded).

* ``bare``: the textbook PyG loop, a ``Linear`` + 2 ``GATConv`` layers (4
  heads, 64 channels), ``negative_sampling``, dot-product decoder, BCE,
  Adam, mini-batches of 16,384 target edges.
* ``relmine (same model)``: :func:`relmine.gnn.train.train` driving
  :class:`GATLinkPredictor` built to do the same work (``conv="gat"``,
  no dropout, Hadamard-MLP decoder without structural terms, no target
  masking, one uniform negative per positive, no gradient clipping, same
  batch size; the MLP decoder is a little more work than the dot product). Its ratio to ``bare`` is the cost
  of relmine's loop (goal >= 0.9x).
* ``relmine (full recipe)``: the configuration of ``bench/evaluate_photo.py``
  (the model of ``relmine/gnn/recipe.py``: GAT since session 11, GATv2 before;
  common-neighbour decoder, target-edge masking, two uniform negatives per positive);
  its ratio shows what the stronger model costs per edge. Work done once per
  training run (building the adjacency, memoizing the target pairs' structure)
  is outside the epoch and reported apart, as ``setup``.

Rounds alternate the three (one epoch each) so that load drifts on a shared
machine hit them alike; the first round is a warm-up; medians are reported.
Then, when Neo4j answers (the local server or ``NEO4J_URI``; ``--no-neo4j``
skips it), the subgraph pull and write-back figures of ``bench/pipeline.py``
(the database is wiped), so that the last line carries all three of issue 6's
throughput ratios. Last line: a JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "amazon_photo.npz"
HIDDEN, HEADS, LAYERS, BATCH = 64, 4, 2, 16384


class BareGAT(torch.nn.Module):
    """What a PyG user writes first: Linear, GATConv layers, ELU."""

    def __init__(self, in_channels: int):
        super().__init__()
        from torch_geometric.nn import GATConv

        self.lin = torch.nn.Linear(in_channels, HIDDEN)
        self.convs = torch.nn.ModuleList(GATConv(HIDDEN, HIDDEN // HEADS, heads=HEADS) for _ in range(LAYERS))

    def forward(self, x, edge_index):
        h = self.lin(x)
        for conv in self.convs:
            h = F.elu(conv(h, edge_index))
        return h


def bare_epoch(model, opt, x, edge_index, pos, device) -> float:
    """One epoch of the bare loop; returns positive edges per second."""
    from torch_geometric.utils import negative_sampling

    model.train()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for batch in torch.randperm(pos.size(1), device=device).split(BATCH):
        p = pos[:, batch]
        opt.zero_grad()
        z = model(x, edge_index)
        n = negative_sampling(edge_index, num_nodes=x.size(0), num_neg_samples=p.size(1))
        pairs = torch.cat([p, n], 1)
        logit = (z[pairs[0]] * z[pairs[1]]).sum(-1)
        y = torch.cat([torch.ones(p.size(1), device=device), torch.zeros(n.size(1), device=device)])
        loss = F.binary_cross_entropy_with_logits(logit, y)
        loss.backward()
        opt.step()
        loss.item()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return pos.size(1) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="amazon_photo.npz")
    ap.add_argument("--rounds", type=int, default=4, help="measured rounds (after one warm-up)")
    ap.add_argument("--device", default="auto", help="auto (cuda if present), cpu or cuda")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--no-recipe", action="store_true", help="skip the full-recipe measurement")
    ap.add_argument("--no-neo4j", action="store_true", help="skip the pull and write-back figures")
    ap.add_argument("--pipeline-repeat", type=int, default=5, help="rounds of the pull/write-back measurement")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        sys.exit(f"{args.data} is absent (the benchmark reads ../shared/data/amazon_photo.npz)")
    if args.threads:
        torch.set_num_threads(args.threads)

    from relmine.device import describe_device, pick_device
    from relmine.gnn.datasets import load_amazon_photo
    from relmine.gnn.edges import split_edges
    from relmine.gnn.model import GATLinkPredictor
    from relmine.gnn.train import TrainConfig, train

    device = pick_device(None if args.device == "auto" else args.device)
    split = split_edges(load_amazon_photo(args.data), seed=0)
    graph = split.graph.clone()
    graph.target_index = split.train_pos
    x, ei, pos = graph.x.to(device), graph.edge_index.to(device), split.train_pos.to(device)
    f = graph.num_features

    torch.manual_seed(0)
    bare = BareGAT(f).to(device)
    bare_opt = torch.optim.Adam(bare.parameters(), lr=0.01)
    # the same work as the bare loop: no dropout, one uniform negative per positive, no clipping
    same = GATLinkPredictor(f, HIDDEN, num_layers=LAYERS, heads=HEADS, conv="gat", use_edge_weight=False,
                            use_common_neighbors=False, use_heuristics=False, dropout=0.0)
    same_cfg = TrainConfig(epochs=1, batch_size=BATCH, lr=0.01, mask_target_edges=False, negatives_per_positive=1,
                           hard_negative_ratio=0.0, grad_clip=0.0, device=device, progress=False)
    from relmine.gnn import recipe as the_recipe

    recipe = GATLinkPredictor(f, **the_recipe.model_kwargs())  # the recipe's model, whatever its attention layer
    recipe_cfg = TrainConfig(epochs=1, batch_size=BATCH, lr=0.01, device=device, progress=False)

    rates: dict[str, list[float]] = {"bare": [], "same": [], "recipe": []}
    setups: list[float] = []
    for r in range(args.rounds + 1):
        b = bare_epoch(bare, bare_opt, x, ei, pos, device)
        s = train(same, [graph], same_cfg).history[-1].edges_per_s
        c = None
        if not args.no_recipe:
            t0 = time.perf_counter()
            epoch = train(recipe, [graph], recipe_cfg).history[-1]
            c, setup = epoch.edges_per_s, time.perf_counter() - t0 - epoch.seconds
        tag = "warm-up" if r == 0 else f"round {r}"
        print(f"{tag}: bare {b:,.0f} edges/s | relmine same model {s:,.0f}"
              + ("" if c is None else f" | relmine full recipe {c:,.0f} (+{setup:.1f} s setup per run)"), flush=True)
        if r:
            rates["bare"].append(b)
            rates["same"].append(s)
            if c is not None:
                rates["recipe"].append(c)
                setups.append(setup)
    med = {k: statistics.median(v) for k, v in rates.items() if v}
    ratio = med["same"] / med["bare"]
    pair_ratios = [s / b for s, b in zip(rates["same"], rates["bare"])]
    print(f"\ntraining edges/s on {describe_device() if device == pick_device() else device}:")
    print(f"  bare PyG GATConv loop      {med['bare']:>12,.0f}")
    print(f"  relmine loop, same model   {med['same']:>12,.0f}   ratio {ratio:.2f}x (goal >= 0.9x)")
    if "recipe" in med:
        print(f"  relmine loop, full recipe  {med['recipe']:>12,.0f}   ratio {med['recipe'] / med['bare']:.2f}x"
              f" (goal >= 0.5x; {statistics.median(setups):.1f} s setup per run)")
    out = {"bench": "train", "device": device, "threads": torch.get_num_threads(),
           "graph": {"nodes": graph.num_nodes, "train_edges": int(pos.size(1))}, "batch_size": BATCH,
           "bare_edges_per_s": med["bare"], "relmine_edges_per_s": med["same"], "ratio": ratio,
           "ratio_per_round": pair_ratios, "goal": 0.9,
           "recipe_edges_per_s": med.get("recipe"),
           "recipe_ratio": (med["recipe"] / med["bare"]) if "recipe" in med else None,
           "recipe_ratio_per_round": [c / b for c, b in zip(rates["recipe"], rates["bare"])],
           "recipe_setup_s": statistics.median(setups) if setups else None}
    if not args.no_neo4j:
        out["pipeline"] = pipeline_figures(args.pipeline_repeat)
    print(json.dumps(out))
    return out


def pipeline_figures(repeat: int) -> dict | None:
    """Pull and write-back against their baselines (bench/pipeline.py), or None without Neo4j."""
    sys.path.insert(0, str(ROOT))
    from bench.pipeline import measure
    from relmine.config import Settings
    from relmine.errors import GraphUnavailable
    from relmine.gateway import Gateway

    try:
        with Gateway(Settings.from_env(), app="relmine-bench") as gw:
            gw.server_version()
            print("\nNeo4j side (the database is wiped):", flush=True)
            return measure(gw, repeat=repeat, log=lambda m: print(m, flush=True))
    except GraphUnavailable as exc:
        print(f"\nNeo4j side skipped: {exc}", flush=True)
        return None


if __name__ == "__main__":
    main()
