"""Benchmark: `relmine clusters` methods against known product hierarchies, on Amazon Photo, the
Complete Journey sample and Groceries; baseline: today's (before issue 14) GDS Louvain on raw
CO_PURCHASED counts, measured in the same run.

Data (``$RELMINE_DATA``, else ``../shared/data``; read in place):

* ``amazon_photo.npz``: 7,650 products, one ``CO_PURCHASED`` per undirected edge, category = one of
  8 classes; ``p.features`` = a 64-dimensional truncated SVD of the bag-of-words features (for FastRP's
  ``featureProperties``). No orders, so ``--weighting auto`` means ``count`` there.
* ``cj_transactions_sample.csv.gz`` (orders, through ``relmine ingest``), scored against
  ``cj_products.csv.gz`` levels department / product_category / product_type; the sample's products'
  ``manufacturer_id`` and ``brand`` (not the hierarchy) through ``relmine ingest`` as a catalogue, for
  the ``--attribute`` rows.
* ``groceries.csv`` (baskets, through ``relmine ingest``), scored against ``groceries_hierarchy.csv``
  levels level1 / level2.

Each set is loaded into an emptied database; every product of the graph is scored (isolated
products are singletons). Per method: NMI, AMI (NMI corrected for chance) and ARI per level, the
largest cluster's share, the seconds of ``cluster_products`` and the peak RSS of this process
(Python side; Neo4j's own memory is its configured heap + page cache).

    python bench/clusters.py --wipe [--sets photo,cj,groceries]

Last line: a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RELMINE_DATA", ROOT.parent / "shared" / "data"))
BASELINE = "louvain count (baseline)"
DEFAULT = "default (leiden auto)"
# label -> ClusterSpec keyword arguments; the first is the baseline, the second `relmine clusters` as shipped.
METHODS: dict[str, dict[str, dict]] = {
    "photo": {
        BASELINE: {"method": "louvain", "weighting": "count"},
        DEFAULT: {},
        "leiden count g0.5": {"method": "leiden", "weighting": "count", "resolution": 0.5},
        "leiden count g1.5": {"method": "leiden", "weighting": "count", "resolution": 1.5},
        "fastrp k8": {"method": "fastrp", "k": 8},
        "fastrp+features k8": {"method": "fastrp", "k": 8, "features": "features"},
        "fastrp+features k16": {"method": "fastrp", "k": 16, "features": "features"},
        "propagate features k8 (SGC + Ward)": {"method": "propagate", "k": 8, "features": "features"},
    },
    "cj": {
        BASELINE: {"method": "louvain", "weighting": "count"},
        DEFAULT: {},
        "leiden npmi g1.5": {"method": "leiden", "weighting": "npmi", "resolution": 1.5},
        "leiden npmi g3": {"method": "leiden", "weighting": "npmi", "resolution": 3.0},
        "leiden npmi min-count 2": {"method": "leiden", "weighting": "npmi", "min_count": 2},
        "leiden count": {"method": "leiden", "weighting": "count"},
        "fastrp npmi k-default": {"method": "fastrp", "weighting": "npmi"},
        # the catalogue's manufacturer (and brand) as attribute nodes beside the co-purchases
        "leiden npmi + manufacturer": {"attributes": ("manufacturer_id",)},
        "leiden npmi + manufacturer, brand": {"attributes": ("manufacturer_id", "brand")},
        "leiden npmi + manufacturer g1.5": {"attributes": ("manufacturer_id",), "resolution": 1.5},
        "leiden npmi + manufacturer w100": {"attributes": ("manufacturer_id",), "attribute_weight": 100.0},
        # a reference, not a method: the attribute links alone (a relationship type the graph does not hold)
        "manufacturer links only, no co-purchases (reference)": {
            "attributes": ("manufacturer_id",), "weighting": "count", "relationship": "NO_CO_PURCHASES"},
    },
    "groceries": {
        BASELINE: {"method": "louvain", "weighting": "count"},
        DEFAULT: {},
        "leiden npmi g1.5": {"method": "leiden", "weighting": "npmi", "resolution": 1.5},
        "leiden npmi g2": {"method": "leiden", "weighting": "npmi", "resolution": 2.0},
        "leiden npmi min-count 2": {"method": "leiden", "weighting": "npmi", "min_count": 2},
        "leiden count": {"method": "leiden", "weighting": "count"},
        "fastrp npmi k10": {"method": "fastrp", "weighting": "npmi", "k": 10},
    },
}
LEVELS = {"photo": ["class"], "cj": ["department", "product_category", "product_type"],
          "groceries": ["level1", "level2"]}



def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_photo(gw, data: Path) -> tuple[dict, dict]:
    import scipy.sparse as sp
    from sklearn.decomposition import TruncatedSVD

    d = np.load(data / "amazon_photo.npz", allow_pickle=False)
    n = int(d["adj_shape"][0])
    adj = sp.csr_matrix((d["adj_data"], d["adj_indices"], d["adj_indptr"]), shape=tuple(d["adj_shape"]))
    upper = sp.triu(adj + adj.T, k=1).tocoo()
    attr = sp.csr_matrix((d["attr_data"], d["attr_indices"], d["attr_indptr"]), shape=tuple(d["attr_shape"]))
    feats = TruncatedSVD(n_components=64, random_state=42).fit_transform(attr)
    feats /= np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)
    names = d["class_names"]
    skus = [f"photo-{i:05d}" for i in range(n)]
    truth = {skus[i]: {"class": str(names[d["labels"][i]])} for i in range(n)}
    gw.write_batches("bench/create_products_in_categories",
                     ({"sku": s, "category": truth[s]["class"], "features": feats[i].tolist()}
                      for i, s in enumerate(skus)), batch_size=2000)
    pairs = [{"a": skus[i], "b": skus[j]} for i, j in zip(upper.row.tolist(), upper.col.tolist())]
    gw.write_batches("bench/create_co_purchases", pairs, batch_size=10_000)
    return truth, {"products": n, "pairs": len(pairs)}


def load_baskets(gw, name: str, data: Path, tmp: Path) -> tuple[dict, dict]:
    from relmine.ingest.options import IngestOptions
    from relmine.ingest.load import ingest_file

    if name == "groceries":
        with open(data / "groceries_hierarchy.csv", newline="") as f:
            truth = {r["item"]: {"level2": r["level2"], "level1": r["level1"]} for r in csv.DictReader(f)}
        report = ingest_file(gw, data / "groceries.csv", IngestOptions(kind="baskets", progress=False),
                             rejects_dir=tmp)
    else:
        levels = LEVELS["cj"]
        truth = {r["product_id"]: {lv: r[lv] for lv in levels if r[lv]} for r in _rows(data / "cj_products.csv.gz")}
        # the timestamp is epoch seconds (not ISO 8601): left as an order property, not parsed as time
        opts = IngestOptions(kind="orders", columns={"order": "basket_id", "sku": "product_id", "qty": "quantity"},
                             progress=False)
        report = ingest_file(gw, data / "cj_transactions_sample.csv.gz", opts, rejects_dir=tmp)
        # the catalogue's attributes that are not the hierarchy scored against (manufacturer, brand:
        # National / Private), for the sample's products only, through `relmine ingest catalog`
        sold = {r["product_id"] for r in _rows(data / "cj_transactions_sample.csv.gz")}
        catalog = tmp / "cj_attributes.csv"
        with open(catalog, "w", newline="") as out:
            w = csv.writer(out)
            w.writerow(["product_id", "manufacturer_id", "brand"])
            for r in _rows(data / "cj_products.csv.gz"):
                if r["product_id"] in sold:
                    w.writerow([r["product_id"], r["manufacturer_id"], r["brand"]])
        ingest_file(gw, catalog, IngestOptions(kind="catalog", progress=False), rejects_dir=tmp)
    return truth, {"read": report.counts.read, "accepted": report.counts.accepted,
                   "rejected": report.counts.rejected, "seconds": round(report.seconds, 1)}


def _rows(path: Path):
    with gzip.open(path, "rt", newline="") as f:
        yield from csv.DictReader(f)


def score(assignment: dict[str, int], truth: dict, levels: list[str]) -> dict:
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, normalized_mutual_info_score

    out = {}
    for lv in levels:
        pairs = [(truth[s][lv], c) for s, c in assignment.items() if lv in truth.get(s, {})]
        t, p = zip(*pairs)
        out[lv] = {"nmi": round(float(normalized_mutual_info_score(t, p)), 4),
                   "ami": round(float(adjusted_mutual_info_score(t, p)), 4),
                   "ari": round(float(adjusted_rand_score(t, p)), 4), "scored": len(pairs)}
    return out


def oracle_rows(gw, truth: dict, levels: list[str], skus: list[str]) -> dict:
    """A bound, not a method: per level, the connected components of the co-purchase pairs whose two
    products share that level's ground-truth group (what a clustering could reach if it knew which
    co-purchases stay inside a group). Scored at its own level only."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    index = {s: i for i, s in enumerate(skus)}
    pairs = [(index[r["a"]], index[r["b"]]) for r in gw.read("bench/read_co_purchases", raw=True)
             if r["a"] in index and r["b"] in index]
    out = {}
    for lv in levels:
        group = [truth.get(s, {}).get(lv) for s in skus]
        keep = [(a, b) for a, b in pairs if group[a] is not None and group[a] == group[b]]
        rows, cols = (np.asarray(x, dtype=np.int64) for x in zip(*keep)) if keep else (np.zeros(0, int),) * 2
        g = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(skus), len(skus)))
        n, labels = connected_components(g, directed=False)
        out[lv] = {"communities": int(n), "largest_share": round(float(np.bincount(labels).max() / len(skus)), 4),
                   **score(dict(zip(skus, labels.tolist())), truth, [lv])[lv]}
    return out


def truth_largest(truth: dict, levels: list[str], skus) -> dict:
    """The largest ground-truth group's share per level, over the graph's products (the 10% bar's exception)."""
    out = {}
    for lv in levels:
        c = Counter(truth[s][lv] for s in skus if lv in truth.get(s, {}))
        out[lv] = round(max(c.values()) / max(1, sum(c.values())), 4)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    ap.add_argument("--sets", default="photo,cj,groceries", help="comma-separated: photo, cj, groceries")
    ap.add_argument("--wipe", action="store_true", help="empty the database first (it must be empty otherwise)")
    ap.add_argument("--seed", type=int, default=42, help="random seed of Leiden, FastRP and k-means")
    args = ap.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    unknown = set(sets) - set(METHODS)
    if unknown:
        ap.error(f"unknown sets {sorted(unknown)}; choose from {', '.join(METHODS)}")

    import logging
    import tempfile

    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.clusters import ClusterSpec, cluster_products
    from relmine.schema import apply_schema, empty_graph

    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    figures: dict = {"bench": "clusters", "baseline": BASELINE, "default": DEFAULT, "sets": {}}
    gw = Gateway(Settings.from_env(), app="relmine-bench")
    gw.verify()
    with gw, tempfile.TemporaryDirectory() as tmp:
        count = gw.read_one("bench/count_nodes")["n"]
        if count and not args.wipe:
            print(f"the database holds {count:,} nodes; the bench needs it empty (pass --wipe to empty it)",
                  file=sys.stderr)
            return 2
        for name in sets:
            levels = LEVELS[name]
            empty_graph(gw)
            apply_schema(gw)
            t0 = time.perf_counter()
            truth, loaded = load_photo(gw, args.data) if name == "photo" else load_baskets(gw, name, args.data,
                                                                                             Path(tmp))
            loaded["load_s"] = round(time.perf_counter() - t0, 1)
            print(f"\n{name}: loaded {loaded}", flush=True)
            rows: dict = {}
            for label, kw in METHODS[name].items():
                t = time.perf_counter()
                res = cluster_products(gw, ClusterSpec(seed=args.seed, write=False, **kw))
                seconds = time.perf_counter() - t
                m = res.metrics()
                sizes = Counter(res.assignment.values())
                rows[label] = {"spec": {"method": res.spec.method, "weighting": res.spec.weighting,
                                        "resolution": res.spec.resolution, "min_count": res.spec.min_count,
                                        **({"k": kw["k"]} if "k" in kw else {}),
                                        **({"features": kw["features"]} if "features" in kw else {}),
                                        **({"attributes": list(res.spec.attributes),
                                            "attribute_weight": res.spec.attribute_weight}
                                           if res.spec.attributes else {})},
                               "products": m["products"], "communities": m["communities"],
                               "singletons": sum(1 for v in sizes.values() if v == 1),
                               "largest_share": m["largest_share"], "levels": score(res.assignment, truth, levels),
                               "seconds": round(seconds, 2), "peak_rss_mib": round(peak_rss_mib(), 1)}
                skus = list(res.assignment)
            alone = {sku: i for i, sku in enumerate(skus)}
            rows["every product alone (reference)"] = {
                "products": len(alone), "communities": len(alone), "singletons": len(alone),
                "largest_share": round(1 / len(alone), 4), "levels": score(alone, truth, levels), "seconds": 0.0}
            if name != "photo":
                bound = oracle_rows(gw, truth, levels, skus)
                rows["same-group co-purchase components (bound)"] = {
                    "products": len(skus), "communities": max(b["communities"] for b in bound.values()),
                    "singletons": None, "largest_share": max(b["largest_share"] for b in bound.values()),
                    "levels": bound, "seconds": 0.0}
            base = rows[BASELINE]["levels"]
            for r in rows.values():
                r["nmi_gain_vs_baseline"] = {lv: round(r["levels"][lv]["nmi"] - base[lv]["nmi"], 4) for lv in levels}
            print_table(name, levels, rows)
            figures["sets"][name] = {"load": loaded, "levels": levels,
                                     "truth_largest_share": truth_largest(truth, levels, skus), "methods": rows}
            print(f"largest ground-truth group per level: {figures['sets'][name]['truth_largest_share']}")
    # the ratio: the new default's NMI over the baseline's, per set at its finest level
    figures["nmi_ratio_default_vs_baseline"] = {
        name: round(s["methods"][DEFAULT]["levels"][s["levels"][-1]]["nmi"]
                    / max(1e-9, s["methods"][BASELINE]["levels"][s["levels"][-1]]["nmi"]), 3)
        for name, s in figures["sets"].items()}
    print(f"\nNMI (finest level), default / {BASELINE}: {figures['nmi_ratio_default_vs_baseline']}")
    print(json.dumps(figures))
    return 0


def print_table(name: str, levels: list[str], rows: dict) -> None:
    head = " | ".join(f"{lv} NMI / AMI / ARI" for lv in levels)
    print(f"| {name} method | communities | singletons | largest | {head} | s | peak RSS MiB |")
    print("|" + " --- |" * (6 + len(levels)))
    for label, r in rows.items():
        cells = " | ".join(f"{r['levels'][lv]['nmi']:.3f} / {r['levels'][lv]['ami']:.3f} / {r['levels'][lv]['ari']:.3f}"
                           for lv in levels)
        singles = "" if r["singletons"] is None else f"{r['singletons']:,}"
        print(f"| {label} | {r['communities']:,} | {singles} | {r['largest_share']:.1%} | {cells} | "
              f"{r['seconds']} | {r.get('peak_rss_mib', '')} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
