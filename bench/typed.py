"""Benchmark: substitutes vs complements on real typed data, through the product graph in Neo4j.

For each data set (Amazon Gift Cards, 2018 format: ``also_buy`` / ``also_view``; Amazon Digital Music,
2014 format: ``also_bought`` / ``bought_together`` / ``also_viewed`` / ``buy_after_viewing``) the database
is emptied, the file ingested with ``relmine ingest amazon-meta``, and ``relmine evaluate --typed``'s
function run over the seeds: the model against the majority kind, the content baseline (logistic
regression on TF-IDF title/description cosine, shared category levels, price ratio) and the structural
rule (co-viewed with a common product = substitute). Named baseline of the ratio: the content
baseline's macro-F1.

    python bench/typed.py --wipe [--seeds 0,1,2] [--epochs 30] [--sets gift,music]

Writes ``out/typed/typed_confusion.png`` (one row per set). Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SETS = {"gift": "meta_Gift_Cards.json.gz", "music": "meta_Digital_Music_2014_head.json.gz"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    ap.add_argument("--sets", default="gift,music", help="comma-separated: gift, music")
    ap.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    ap.add_argument("--epochs", type=int, default=30, help="most training epochs per seed")
    ap.add_argument("--conv", choices=["auto", "gat", "gatv2"], default=None,
                    help="attention layer (default: the recipe's)")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "typed", help="folder for the PNG and JSON")
    ap.add_argument("--wipe", action="store_true", help="empty the database first (it must be empty otherwise)")
    args = ap.parse_args()
    import logging

    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.gnn.typed import METHODS, ModelSpec, evaluate_typed, format_typed_table, plot_confusions
    from relmine.learn.evaluation import read_typed_graph
    from relmine.ingest.options import IngestOptions
    from relmine.ingest.load import ingest_file
    from relmine.schema import apply_schema, empty_graph

    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    seeds = [int(s) for s in args.seeds.split(",")]
    gw = Gateway(Settings.from_env(), app="relmine-bench")
    gw.verify()
    reports, figures = [], {"bench": "typed", "baseline": "content baseline macro-F1 (logistic regression)",
                            "seeds": seeds, "epochs": args.epochs, "conv": args.conv or "recipe", "sets": {}}
    with gw, tempfile.TemporaryDirectory() as tmp:
        count = gw.read_one("bench/count_nodes")["n"]
        if count and not args.wipe:
            print(f"the database holds {count:,} nodes; pass --wipe to empty it", file=sys.stderr)
            return 2
        for key in args.sets.split(","):
            path = args.data / SETS[key]
            if not path.is_file():
                print(f"skip: {path} is absent", file=sys.stderr)
                return 2
            empty_graph(gw)
            apply_schema(gw)
            t0 = time.perf_counter()
            ing = ingest_file(gw, path, IngestOptions(kind="amazon-meta", progress=False), rejects_dir=Path(tmp))
            graph = read_typed_graph(gw)
            kinds = graph.kind_labels()
            print(f"{key}: ingested {ing.counts.accepted:,} products in {time.perf_counter() - t0:.1f}s; "
                  f"{len(graph.pairs):,} typed pairs ({', '.join(graph.relation_types)}): "
                  f"{(kinds == 0).sum():,} complement-only, {(kinds == 1).sum():,} substitute-only, "
                  f"{(kinds == -1).sum():,} both", flush=True)
            rep = evaluate_typed(graph, seeds, ModelSpec(epochs=args.epochs, conv=args.conv), dataset=SETS[key],
                                 on_seed=lambda o: print(f"  seed {o.seed}: " + ", ".join(
                                     f"{m} {o.classify[m]['macro_f1']:.3f}" for m in METHODS)
                                     + f" ({o.epochs} epochs, {o.seconds:.0f}s)", flush=True))
            print(format_typed_table(rep), flush=True)
            reports.append(rep)
            d = rep.as_dict()
            ratio = rep.summary["model"]["macro_f1"][0] / max(rep.summary["content"]["macro_f1"][0], 1e-9)
            figures["sets"][key] = {"summary": d["summary"], "typed_pairs": d["typed_pairs"],
                                    "bar_met": d["bar_model_macro_f1_above_content"],
                                    "model_over_content_macro_f1": round(ratio, 3)}
            print(f"model macro-F1 / content baseline macro-F1: {ratio:.3f}x", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    plot_confusions(args.out / "typed_confusion.png", reports)
    (args.out / "typed.json").write_text(json.dumps([r.as_dict() for r in reports], indent=2))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
