"""Benchmark: the FastRP settings of ``relmine clusters --method fastrp --features`` on Amazon Photo.

Loads Photo as ``bench/clusters.py`` does (products with ``p.features``, a 64-dimensional truncated
SVD of their bag-of-words features; one ``CO_PURCHASED`` per undirected edge), projects it once the
way ``relmine clusters`` does, and runs ``gds.fastRP.stream`` + k-means for every combination of
iteration weights, ``propertyRatio`` (0.5: half the dimensions from the features; 1.0: all),
``normalizationStrength`` and k; scores NMI/ARI against the 8 classes. Baseline, same run: the
setting relmine used before (``propertyRatio 0.5``), against the one it ships (``1.0``). One seed:
the best of many settings is an optimistic figure.

    python bench/clusters_fastrp_sweep.py --wipe

Last line: a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clusters import DATA, load_photo  # noqa: E402

WEIGHTS = ([0.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0], [0.5, 1.0, 1.0, 1.0])
RATIOS = (0.5, 1.0)
STRENGTHS = (-0.5, 0.0)
KS = (8, 12)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    ap.add_argument("--wipe", action="store_true", help="empty the database first (it must be empty otherwise)")
    ap.add_argument("--dimension", type=int, default=256, help="FastRP vector size")
    ap.add_argument("--seed", type=int, default=42, help="random seed of FastRP and k-means")
    args = ap.parse_args()

    import logging

    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.progress import Progress
    from relmine.clusters import ClusterSpec, _kmeans, _project
    from relmine.schema import apply_schema, empty_graph

    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    gw = Gateway(Settings.from_env(), app="relmine-bench")
    gw.verify()
    rows: list[dict] = []
    graph = "relmine-bench-fastrp-sweep"
    with gw:
        count = gw.read_one("bench/count_nodes")["n"]
        if count and not args.wipe:
            print(f"the database holds {count:,} nodes; pass --wipe to empty it", file=sys.stderr)
            return 2
        empty_graph(gw)
        apply_schema(gw)
        truth, loaded = load_photo(gw, args.data)
        print(f"photo: loaded {loaded}", flush=True)
        spec = ClusterSpec(method="fastrp", features="features", k=8).validated()
        _project(gw, spec, graph, "count")
        total = len(WEIGHTS) * len(RATIOS) * len(STRENGTHS)
        try:
            with Progress("FastRP settings", total=total, unit="settings") as bar:
                for weights in WEIGHTS:
                    for ratio in RATIOS:
                        for strength in STRENGTHS:
                            config = {"embeddingDimension": args.dimension, "iterationWeights": weights,
                                      "normalizationStrength": strength, "randomSeed": args.seed,
                                      "concurrency": 1, "featureProperties": ["features"], "propertyRatio": ratio}
                            t = time.perf_counter()
                            got = gw.read("clusters/fastrp_stream", {"graph": graph, "config": config}, raw=True)
                            x = np.asarray([r["embedding"] for r in got], dtype=np.float64)
                            y = [truth[r["sku"]]["class"] for r in got]
                            live = np.linalg.norm(x, axis=1) > 1e-9  # as relmine: zero vectors are alone
                            for k in KS:
                                lab = np.arange(len(got)) + k  # singletons, ids past the k-means clusters
                                lab[live] = _kmeans(x[live], k, args.seed)
                                rows.append({"iterationWeights": weights, "propertyRatio": ratio,
                                             "normalizationStrength": strength, "k": k,
                                             "nmi": round(float(normalized_mutual_info_score(y, lab)), 4),
                                             "ari": round(float(adjusted_rand_score(y, lab)), 4),
                                             "seconds": round(time.perf_counter() - t, 2)})
                                r = rows[-1]
                                print(f"  weights {weights} ratio {ratio} strength {strength} k {k}: "
                                      f"NMI {r['nmi']:.3f} ARI {r['ari']:.3f}", flush=True)
                            bar.update(1)
        finally:
            gw.write("clusters/drop_projection", {"graph": graph})
    by_ratio = {str(ratio): [r["nmi"] for r in rows if r["propertyRatio"] == ratio] for ratio in RATIOS}
    summary = {ratio: {"min": min(v), "median": float(np.median(v)), "max": max(v)} for ratio, v in by_ratio.items()}
    ratio = summary["1.0"]["median"] / summary["0.5"]["median"]
    print(f"NMI over {len(by_ratio['1.0'])} settings each: propertyRatio 1.0 (shipped) {summary['1.0']}, "
          f"0.5 (baseline) {summary['0.5']}; median ratio {ratio:.3f}")
    print(json.dumps({"bench": "clusters_fastrp_sweep", "baseline": "propertyRatio 0.5", "data": "amazon_photo",
                      "dimension": args.dimension, "seed": args.seed, "by_ratio": summary,
                      "median_nmi_ratio": round(ratio, 3), "settings": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
