"""Benchmark: product clusters on the Amazon Photo co-purchase graph against its 8 known categories.

Loads ``amazon_photo.npz`` into Neo4j as 7,650 ``(:Product)`` nodes (category =
the class name, ``IN_CATEGORY`` links) and one ``CO_PURCHASED`` per undirected
pair, then clusters with relmine (GDS Louvain and Leiden, and k-means on
stand-in embeddings: a 64-dimensional truncated SVD of the products'
bag-of-words review features, written as ``p.embedding`` because no trained
GNN is assumed here). Each assignment is scored against the categories (NMI,
ARI). Baseline, same run: networkx's Louvain on the same graph in process.

The products have no titles in this data set, so cluster labels fall back to
the dominant category name.

    python bench/clusters.py --wipe      # the database must be empty, or --wipe empties it

Last line: a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "amazon_photo.npz"

LOAD_PRODUCTS = """
UNWIND $rows AS row
MERGE (c:Category {path: row.category})
CREATE (p:Product {sku: row.sku, category: row.category})
CREATE (p)-[:IN_CATEGORY]->(c)
"""
LOAD_PAIRS = """
UNWIND $rows AS row
MATCH (a:Product {sku: row.a}), (b:Product {sku: row.b})
CREATE (a)-[:CO_PURCHASED {count: 1, weight: 1.0}]->(b)
"""
SET_EMBEDDINGS = "UNWIND $rows AS row MATCH (p:Product {sku: row.sku}) SET p.embedding = row.v"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="amazon_photo.npz")
    ap.add_argument("--wipe", action="store_true", help="empty the database first (it must be empty otherwise)")
    ap.add_argument("--dims", type=int, default=64, help="stand-in embedding size (truncated SVD)")
    ap.add_argument("--seed", type=int, default=42, help="random seed")
    args = ap.parse_args()
    if not args.data.is_file():
        print(f"skip: {args.data} is absent", file=sys.stderr)
        return 2

    import logging

    import networkx as nx
    import scipy.sparse as sp
    from sklearn.decomposition import TruncatedSVD
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from relmine.config import Settings
    from relmine.gateway import Gateway, Statement
    from relmine.progress import Progress
    from relmine.rules.clusters import ClusterSpec, cluster_products
    from relmine.schema import apply_schema, empty_graph

    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    d = np.load(args.data, allow_pickle=False)
    n = int(d["adj_shape"][0])
    adj = sp.csr_matrix((d["adj_data"], d["adj_indices"], d["adj_indptr"]), shape=tuple(d["adj_shape"]))
    upper = sp.triu(adj + adj.T, k=1).tocoo()
    labels, names = d["labels"], d["class_names"]
    skus = [f"photo-{i:05d}" for i in range(n)]
    truth = {skus[i]: str(names[labels[i]]) for i in range(n)}

    gw = Gateway(Settings.from_env(), app="relmine-bench")
    gw.verify()
    with gw:
        count = gw.read_one(Statement("MATCH (n) RETURN count(n) AS n", "bench/count"))["n"]
        if count and not args.wipe:
            print(f"the database holds {count:,} nodes; the bench needs it empty (pass --wipe to empty it)",
                  file=sys.stderr)
            return 2
        if count:
            empty_graph(gw)
        apply_schema(gw)
        t0 = time.perf_counter()
        gw.write_batches(Statement(LOAD_PRODUCTS, "bench/load_products"),
                         ({"sku": s, "category": truth[s]} for s in skus), batch_size=5000)
        pairs = [{"a": skus[i], "b": skus[j]} for i, j in zip(upper.row.tolist(), upper.col.tolist())]
        with Progress("load CO_PURCHASED", total=len(pairs), unit="rels") as bar:
            gw.write_batches(Statement(LOAD_PAIRS, "bench/load_pairs"), pairs, batch_size=10_000,
                             on_batch=lambda k, _s: bar.update(k))
        attr = sp.csr_matrix((d["attr_data"], d["attr_indices"], d["attr_indptr"]), shape=tuple(d["attr_shape"]))
        emb = TruncatedSVD(n_components=args.dims, random_state=args.seed).fit_transform(attr)
        gw.write_batches(Statement(SET_EMBEDDINGS, "bench/embeddings"),
                         ({"sku": s, "v": emb[i].astype(float).tolist()} for i, s in enumerate(skus)),
                         batch_size=2000)
        load_s = time.perf_counter() - t0
        print(f"loaded {n:,} products, {len(pairs):,} CO_PURCHASED pairs, {args.dims}-dim embeddings "
              f"in {load_s:.1f}s", flush=True)

        results = {}
        for method in ("louvain", "leiden", "kmeans"):
            spec = ClusterSpec(method=method, k=len(names) if method == "kmeans" else None, seed=args.seed,
                               run=f"bench-photo-{method}")
            t = time.perf_counter()
            res = cluster_products(gw, spec)
            m = res.metrics()
            results[method] = {"nmi": round(m["nmi"], 4), "ari": round(m["ari"], 4),
                               "communities": m["communities"], "clusters": m["clusters"],
                               "seconds": round(time.perf_counter() - t, 2)}
            print(f"relmine {method}: NMI {m['nmi']:.3f}, ARI {m['ari']:.3f}, {m['communities']} communities "
                  f"({m['clusters']} of 2+), {results[method]['seconds']}s", flush=True)

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(upper.row.tolist(), upper.col.tolist()))
    t = time.perf_counter()
    comms = nx.community.louvain_communities(g, seed=args.seed)
    nx_s = time.perf_counter() - t
    pred = np.empty(n, dtype=np.int64)
    for c, members in enumerate(comms):
        pred[list(members)] = c
    nx_res = {"nmi": round(float(normalized_mutual_info_score(labels, pred)), 4),
              "ari": round(float(adjusted_rand_score(labels, pred)), 4), "communities": len(comms),
              "seconds": round(nx_s, 2)}
    print(f"networkx louvain (baseline): NMI {nx_res['nmi']:.3f}, ARI {nx_res['ari']:.3f}, "
          f"{len(comms)} communities, {nx_s:.2f}s")
    ratio = nx_s / results["louvain"]["seconds"]
    print(f"GDS Louvain end to end (project, stream, label, write) vs networkx Louvain in process: {ratio:.2f}x")
    print(json.dumps({"bench": "clusters", "data": "amazon_photo", "baseline": "networkx louvain_communities",
                      "products": n, "pairs": len(pairs), "categories": len(names), "load_s": round(load_s, 1),
                      "relmine": results, "networkx_louvain": nx_res, "speedup_vs_networkx": round(ratio, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
