"""Link prediction on Amazon Photo: relmine's GAT against CN, Adamic–Adar and resource allocation.

    python bench/evaluate_photo.py --seeds 0 1 2

Per seed: a random 85/5/10 split of the undirected edges, the model trained
with early stopping on validation Hits@50, then on the test edges AUC and
Hits@20/50/100 (shared negatives, as many as test edges) and MRR (100
corrupted tails per test edge), for the model and the heuristics in the same
run; a linear probe of the embeddings on Photo's 8 categories. Prints a
table of mean ± std, whether the bar is met (model Hits@50 at least 0.10
above RA's, AUC >= 0.98) and, as its last line, a JSON object.

GDS FastRP + cosine is scored in the same run, per seed on that seed's
training graph (:mod:`relmine.learn.fastrp`), when Neo4j is reachable
(``NEO4J_URI`` / the local server); otherwise the bench says why and goes on
without it (``--no-fastrp`` skips it quietly). More methods:
``--extra module:function`` names a callable ``(split, seed) -> {name: scorer}``
where a scorer maps pairs ``[2, B]`` to scores ``[B]`` and ``split.graph`` is
the training graph to embed (see ``relmine.gnn.heuristics.cosine_scorer``).

The model and training recipe are :mod:`relmine.gnn.recipe`, shared with
``relmine evaluate`` (which runs the same protocol from the command line).
Training checkpoints are kept per seed (``<out>/checkpoints``): an
interrupted run resumes where it stopped, and a finished seed is only
re-evaluated. After changing the model or recipe, pass ``--fresh``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "amazon_photo.npz"


def fastrp_extra():
    """FastRP scorers on the configured Neo4j, or None with a message saying why not."""
    from relmine.config import Settings
    from relmine.errors import RelmineError
    from relmine.gateway import Gateway
    from relmine.learn.fastrp import FastRPScorers

    try:
        gw = Gateway(Settings.from_env())
        gw.verify()
    except RelmineError as exc:
        print(f"FastRP+cosine skipped: {exc} (--no-fastrp skips it quietly)", file=sys.stderr)
        return None
    return FastRPScorers(gw)


def main(argv: list[str] | None = None) -> dict:
    from relmine.gnn import recipe

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one split and run per seed")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="amazon_photo.npz")
    ap.add_argument("--epochs", type=int, default=recipe.TRAIN["epochs"], help="maximum epochs per seed")
    ap.add_argument("--hidden", type=int, default=recipe.MODEL["hidden_channels"], help="embedding size")
    ap.add_argument("--conv", default=None, choices=["auto", "gatv2", "gat"],
                    help="attention layer (default: the recipe's)")
    ap.add_argument("--device", default="auto", help="auto (cuda if present), cpu or cuda")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "photo_eval", help="folder for the PNG and JSON")
    ap.add_argument("--checkpoints", type=Path, default=None,
                    help="folder for per-seed training checkpoints (default: <out>/checkpoints); "
                         "a rerun resumes unfinished seeds and only re-evaluates finished ones")
    ap.add_argument("--fresh", action="store_true", help="delete the checkpoints first and train from scratch")
    ap.add_argument("--no-fastrp", action="store_true", help="skip GDS FastRP + cosine")
    ap.add_argument("--extra", default=None, help="module:function giving more extra scorers per split")
    ap.add_argument("--no-probe", action="store_true", help="skip the linear probe")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        sys.exit(f"{args.data} is absent (the benchmark reads ../shared/data/amazon_photo.npz)")
    if args.threads:
        torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from relmine.gnn.datasets import load_amazon_photo
    from relmine.learn.evaluation import EvalSpec, format_report, run_evaluation

    hooks = []
    if not args.no_fastrp and (fastrp := fastrp_extra()) is not None:
        hooks.append(fastrp)
    if args.extra:
        module, _, func = args.extra.partition(":")
        hooks.append(getattr(importlib.import_module(module), func))

    def extra(split, seed):
        return {name: scorer for hook in hooks for name, scorer in hook(split, seed).items()}

    data = load_amazon_photo(args.data)
    spec = EvalSpec(seeds=tuple(args.seeds), epochs=args.epochs, hidden=args.hidden, conv=args.conv,
                    device=args.device, out=args.out, checkpoints=args.checkpoints or args.out / "checkpoints",
                    fresh=args.fresh, probe=not args.no_probe, dataset="Amazon Photo")
    report = run_evaluation(data, spec, extra=extra if hooks else None)
    print()
    print(format_report(report))
    if report.probe is not None:
        print("(published self-supervised best linear probe on Amazon Photo: 0.936)")
    out = {"bench": "evaluate_photo", **report.as_dict()}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
