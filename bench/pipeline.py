"""Neo4j <-> tensors throughput of the training pipeline, against named baselines in the same run.

* pull: edges/s of ``relmine.learn.extract`` pulling the whole Amazon Photo graph as one partition
  (baseline: a single plain ``MATCH (a)-[r]->(b) RETURN`` of the same edges through the driver);
* write-back: embeddings written per second by ``learn/set_embeddings`` (batched UNWIND), against GDS
  FastRP ``.write`` of the same dimension on the same graph (its own reported writeMillis).

Usage: python bench/pipeline.py [--dim 64]   (Neo4j from NEO4J_URI or the local server; the database
is wiped). Last line: a JSON object of figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relmine.config import Settings  # noqa: E402
from relmine.gateway import Gateway, Statement  # noqa: E402
from relmine.learn.extract import extract_skus  # noqa: E402
from relmine.schema import apply_schema  # noqa: E402
from tests.conftest import DATA, wipe  # noqa: E402

LOAD_NODES = Statement("UNWIND $rows AS r CREATE (:Product {sku: r.sku, title: r.title})", "bench/nodes")
LOAD_EDGES = Statement("UNWIND $rows AS r MATCH (a:Product {sku: r.a}), (b:Product {sku: r.b}) "
                       "CREATE (a)-[:CO_PURCHASED {count: 1, weight: 1.0}]->(b)", "bench/edges")
PLAIN_PULL = Statement("MATCH (a:Product)-[r:CO_PURCHASED]->(b:Product) RETURN a.sku AS a, b.sku AS b, r.weight AS w",
                       "bench/plain_pull")


def load_photo(gw: Gateway) -> tuple[list[str], int]:
    import scipy.sparse as sp

    d = np.load(DATA / "amazon_photo.npz", allow_pickle=False)
    n = int(d["adj_shape"][0])
    adj = sp.csr_matrix((d["adj_data"], d["adj_indices"], d["adj_indptr"]), shape=(n, n))
    upper = sp.triu(((adj + adj.T) > 0).astype(np.int8), k=1).tocoo()
    skus = [f"photo-{i}" for i in range(n)]
    gw.write_batches(LOAD_NODES, ({"sku": s, "title": f"product {i}"} for i, s in enumerate(skus)))
    gw.write_batches(LOAD_EDGES, ({"a": skus[a], "b": skus[b]} for a, b in zip(upper.row, upper.col)))
    return skus, int(upper.nnz)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=64)
    args = ap.parse_args()
    gw = Gateway(Settings.from_env(), app="relmine-bench")
    wipe(gw)
    apply_schema(gw)
    skus, m = load_photo(gw)
    print(f"loaded Amazon Photo: {len(skus)} products, {m} CO_PURCHASED", file=sys.stderr)

    t = time.perf_counter()
    plain = gw.read(PLAIN_PULL)
    t_plain = time.perf_counter() - t
    t = time.perf_counter()
    sub = extract_skus(gw, skus, ["CO_PURCHASED"], halo_hops=0)
    t_pull = time.perf_counter() - t
    assert sub.num_edges == len(plain) == m

    rng = np.random.default_rng(0)
    emb = rng.standard_normal((len(skus), args.dim)).astype(np.float32)
    rows = [{"sku": s, "embedding": emb[i].tolist()} for i, s in enumerate(skus)]
    t = time.perf_counter()
    gw.write_batches("learn/set_embeddings", rows, batch_size=5000, extra={"run": "bench"})
    t_ours = time.perf_counter() - t
    gw.write(Statement("CALL gds.graph.drop('bench', false) YIELD graphName RETURN graphName", "bench/drop"))
    gw.write(Statement("CALL gds.graph.project('bench', 'Product', {CO_PURCHASED: {orientation: 'UNDIRECTED'}}) "
                       "YIELD graphName RETURN graphName", "bench/project"))
    t = time.perf_counter()
    fastrp = gw.write(Statement("CALL gds.fastRP.write('bench', {embeddingDimension: $dim, writeProperty: 'fastrp', "
                                "concurrency: 4}) YIELD nodePropertiesWritten, writeMillis "
                                "RETURN nodePropertiesWritten, writeMillis", "bench/fastrp"), {"dim": args.dim})
    t_fastrp_call = time.perf_counter() - t
    gw.write(Statement("CALL gds.graph.drop('bench', false) YIELD graphName RETURN graphName", "bench/drop"))
    rec = fastrp.records[0]
    gds_rate = rec["nodePropertiesWritten"] / max(rec["writeMillis"] / 1000, 1e-9)
    ours_rate = len(skus) / t_ours
    figures = {
        "products": len(skus), "edges": m, "dim": args.dim,
        "pull_edges_per_s": m / t_pull, "plain_match_edges_per_s": m / t_plain,
        "pull_ratio_vs_plain_match": (m / t_pull) / (m / t_plain),
        "writeback_embeddings_per_s": ours_rate, "gds_fastrp_write_per_s": gds_rate,
        "writeback_ratio_vs_gds_fastrp_write": ours_rate / gds_rate,
        "gds_fastrp_call_seconds": t_fastrp_call,
    }
    print(f"pull: {figures['pull_edges_per_s']:,.0f} edges/s (plain MATCH {figures['plain_match_edges_per_s']:,.0f}; "
          f"ratio {figures['pull_ratio_vs_plain_match']:.2f}x)")
    print(f"write-back: {ours_rate:,.0f} embeddings/s vs GDS FastRP write {gds_rate:,.0f}/s "
          f"(ratio {figures['writeback_ratio_vs_gds_fastrp_write']:.2f}x)")
    wipe(gw)
    gw.close()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
