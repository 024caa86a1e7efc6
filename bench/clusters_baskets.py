"""Clusters on real baskets against their product hierarchy: today's Louvain on raw co-purchase
weights (the named baseline) against Leiden on significance-weighted co-purchases (NPMI, lift).

Data: ``groceries.csv`` + ``groceries_hierarchy.csv`` (169 items; levels ``level2`` 55 groups,
``level1`` 10) and the Complete Journey sample ``cj_transactions_sample.csv.gz`` + ``cj_products.csv.gz``
(levels ``department``, ``product_category``, ``product_type``). Each set is ingested into an emptied
Neo4j with ``relmine ingest``; every product of the graph is scored (isolated ones are singletons).

    python bench/clusters_baskets.py --wipe [--sets groceries,cj]

Prints one table per set and, last line, a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
# (label, method, weighting, resolution, min_count); the first is the baseline: today's default.
CONFIGS = [
    ("louvain count (baseline)", "louvain", "count", 1.0, 2),
    ("leiden count", "leiden", "count", 1.0, 2),
    ("leiden lift", "leiden", "lift", 1.0, 2),
    ("louvain npmi", "louvain", "npmi", 1.0, 2),
    ("leiden npmi g1", "leiden", "npmi", 1.0, 2),
    ("leiden npmi g2", "leiden", "npmi", 2.0, 2),
    ("leiden npmi g2 mc1", "leiden", "npmi", 2.0, 1),
    ("leiden npmi g2 mc3", "leiden", "npmi", 2.0, 3),
    ("leiden npmi g3", "leiden", "npmi", 3.0, 2),
    ("leiden npmi g5", "leiden", "npmi", 5.0, 2),
    ("leiden npmi g1.5 mc1", "leiden", "npmi", 1.5, 1),
    ("leiden npmi g3 mc1", "leiden", "npmi", 3.0, 1),
]


def _truth(name: str, data: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    if name == "groceries":
        with open(data / "groceries_hierarchy.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        return {r["item"]: {"level2": r["level2"], "level1": r["level1"]} for r in rows}, ["level1", "level2"]
    levels = ["department", "product_category", "product_type"]
    with gzip.open(data / "cj_products.csv.gz", "rt", newline="") as f:
        return {r["product_id"]: {lv: r[lv] for lv in levels if r[lv]} for r in csv.DictReader(f)}, levels


def _ingest(gw, name: str, data: Path, tmp: Path) -> dict:
    from relmine.ingest.model import IngestOptions
    from relmine.ingest.pipeline import ingest_file

    if name == "groceries":
        opts = IngestOptions(kind="baskets", progress=False)
        report = ingest_file(gw, data / "groceries.csv", opts, rejects_dir=tmp)
    else:
        # the timestamp is epoch seconds (not ISO 8601): left as an order property, not parsed as time
        opts = IngestOptions(kind="orders", columns={"order": "basket_id", "sku": "product_id", "qty": "quantity"},
                             progress=False)
        report = ingest_file(gw, data / "cj_transactions_sample.csv.gz", opts, rejects_dir=tmp)
    return {"read": report.counts.read, "accepted": report.counts.accepted, "rejected": report.counts.rejected,
            "seconds": round(report.seconds, 1)}


def _score(assignment: dict[str, int], truth: dict[str, dict[str, str]], levels: list[str]) -> dict:
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, normalized_mutual_info_score

    out = {}
    for lv in levels:
        pairs = [(truth[s][lv], c) for s, c in assignment.items() if lv in truth.get(s, {})]
        t, p = zip(*pairs)
        out[lv] = {"nmi": round(float(normalized_mutual_info_score(t, p)), 4),
                   "ari": round(float(adjusted_rand_score(t, p)), 4),
                   "ami": round(float(adjusted_mutual_info_score(t, p)), 4), "scored": len(pairs)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    ap.add_argument("--sets", default="groceries,cj", help="comma-separated: groceries, cj")
    ap.add_argument("--wipe", action="store_true", help="empty the database first (it must be empty otherwise)")
    ap.add_argument("--seed", type=int, default=42, help="random seed of Leiden")
    args = ap.parse_args()
    import logging
    import tempfile
    from collections import Counter

    from relmine.config import Settings
    from relmine.gateway import Gateway, Statement
    from relmine.rules.clusters import ClusterSpec, cluster_products
    from relmine.schema import apply_schema, empty_graph

    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    figures: dict = {"bench": "clusters_baskets", "baseline": "GDS Louvain on raw CO_PURCHASED weights", "sets": {}}
    gw = Gateway(Settings.from_env(), app="relmine-bench")
    gw.verify()
    with gw, tempfile.TemporaryDirectory() as tmp:
        count = gw.read_one(Statement("MATCH (n) RETURN count(n) AS n", "bench/count"))["n"]
        if count and not args.wipe:
            print(f"the database holds {count:,} nodes; pass --wipe to empty it", file=sys.stderr)
            return 2
        for name in args.sets.split(","):
            truth, levels = _truth(name, args.data)
            empty_graph(gw)
            apply_schema(gw)
            loaded = _ingest(gw, name, args.data, Path(tmp))
            print(f"{name}: ingested {loaded}", flush=True)
            rows = {}
            for label, method, weighting, resolution, min_count in CONFIGS:
                t = time.perf_counter()
                res = cluster_products(gw, ClusterSpec(method=method, weighting=weighting, resolution=resolution,
                                                       min_count=min_count, seed=args.seed, write=False))
                sizes = Counter(res.assignment.values())
                m = res.metrics()
                rows[label] = {"products": m["products"], "communities": m["communities"],
                               "clusters_2plus": m["clusters"], "largest_share": m["largest_share"],
                               "singletons": sum(1 for v in sizes.values() if v == 1),
                               "levels": _score(res.assignment, truth, levels),
                               "seconds": round(time.perf_counter() - t, 2)}
                r = rows[label]
                scores = "  ".join(f"{lv} NMI {r['levels'][lv]['nmi']:.3f} AMI {r['levels'][lv]['ami']:.3f} "
                                   f"ARI {r['levels'][lv]['ari']:.3f}" for lv in levels)
                print(f"  {label:<26} {r['communities']:>6} communities ({r['singletons']} singletons), "
                      f"largest {r['largest_share']:.1%}  {scores}  {r['seconds']}s", flush=True)
            # Reference: every product alone. NMI grows with the number of clusters (singletons score high);
            # AMI and ARI are corrected for chance and score it 0.
            alone = {sku: i for i, sku in enumerate(res.assignment)}
            rows["every product alone (reference)"] = {
                "products": len(alone), "communities": len(alone), "clusters_2plus": 0,
                "largest_share": round(1 / len(alone), 4), "singletons": len(alone),
                "levels": _score(alone, truth, levels), "seconds": 0.0}
            r = rows["every product alone (reference)"]
            print(f"  {'every product alone (ref)':<26} " + "  ".join(
                f"{lv} NMI {r['levels'][lv]['nmi']:.3f} AMI {r['levels'][lv]['ami']:.3f}" for lv in levels), flush=True)
            base = rows[CONFIGS[0][0]]
            for label, r in rows.items():
                r["nmi_gain_vs_baseline"] = {lv: round(r["levels"][lv]["nmi"] - base["levels"][lv]["nmi"], 4)
                                             for lv in levels}
            figures["sets"][name] = {"ingest": loaded, "levels": levels, "configs": rows}
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
