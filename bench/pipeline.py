"""Neo4j <-> tensors throughput of the training pipeline, against named baselines in the same run.

* pull: edges/s of ``relmine.learn.extract`` pulling the whole Amazon Photo graph as one partition
  (baseline: a single plain ``MATCH (a)-[r]->(b) RETURN`` of the same edges through the driver);
* write-back: embeddings written per second by ``learn/set_embeddings`` (batched UNWIND, the statement
  the embed task runs), against GDS FastRP ``.write`` of the same dimension on the same graph (its own
  reported writeMillis, which leaves out projection and compute: the strictest reading). A second
  baseline bounds what any Cypher write-back can reach: the same batches sent through the same
  driver call to a statement that writes nothing (``UNWIND $rows AS row RETURN count(*)``), i.e.
  Bolt's packing, transfer and the server's decoding of the float lists alone.

Each is measured ``--repeat`` times, alternating relmine and its baseline so that load drifts on a
shared machine hit both alike; medians give the ratios. ``bench/train.py`` runs this too when Neo4j
is reachable, so its last line carries all of issue 6's throughput figures.

Usage: python bench/pipeline.py [--dim 64] [--repeat 5]   (Neo4j from NEO4J_URI or the local server;
the database is wiped). Last line: a JSON object of figures.
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
from relmine.gateway import Gateway  # noqa: E402
from relmine.learn.extract import extract_skus  # noqa: E402
from relmine.learn.writeback import WRITE_BATCH  # noqa: E402
from relmine.schema import apply_schema  # noqa: E402
from tests.conftest import DATA, wipe  # noqa: E402

LOAD_NODES = "bench/create_products_with_title"
LOAD_EDGES = "bench/create_co_purchases"
TRANSFER_ONLY = "bench/transfer_only"
PLAIN_PULL = "bench/read_co_purchases"


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


def measure(gw: Gateway, *, dim: int = 64, repeat: int = 5, log=print) -> dict:
    """Load Photo into the (wiped) database, measure pull and write-back against their baselines."""
    import statistics

    wipe(gw)
    apply_schema(gw)
    skus, m = load_photo(gw)
    log(f"loaded Amazon Photo: {len(skus)} products, {m} CO_PURCHASED")
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((len(skus), dim)).astype(np.float32)
    rows = [{"sku": s, "embedding": emb[i].tolist()} for i, s in enumerate(skus)]
    gw.write(DROP)
    gw.write(PROJECT)
    t: dict[str, list[float]] = {"plain": [], "pull": [], "ours": [], "transfer": [], "fastrp_write": [],
                                 "fastrp_call": []}
    try:
        for r in range(repeat + 1):  # round 0 warms caches and the JIT, not measured
            t0 = time.perf_counter()
            plain = gw.read(PLAIN_PULL)
            t1 = time.perf_counter()
            sub = extract_skus(gw, skus, ["CO_PURCHASED"], halo_hops=0)
            t2 = time.perf_counter()
            if sub.num_edges != len(plain) or len(plain) != m:
                raise SystemExit(f"pull mismatch: {sub.num_edges} vs {len(plain)} vs {m}")
            gw.write_batches("learn/set_embeddings", rows, batch_size=WRITE_BATCH, extra={"run_id": "bench"})
            t3 = time.perf_counter()
            rec = gw.write(FASTRP_WRITE, {"dim": dim}).records[0]
            t4 = time.perf_counter()
            gw.write_batches(TRANSFER_ONLY, rows, batch_size=WRITE_BATCH, extra={"run_id": "bench"})
            t5 = time.perf_counter()
            if not r:
                continue
            t["plain"].append(t1 - t0)
            t["pull"].append(t2 - t1)
            t["ours"].append(t3 - t2)
            t["fastrp_write"].append(rec["writeMillis"] / 1000)
            t["fastrp_call"].append(t4 - t3)
            t["transfer"].append(t5 - t4)
            log(f"round {r}: pull {m / (t2 - t1):,.0f} edges/s (plain {m / (t1 - t0):,.0f}); write-back "
                f"{len(skus) / (t3 - t2):,.0f} emb/s (FastRP write {rec['nodePropertiesWritten'] / max(t['fastrp_write'][-1], 1e-9):,.0f}/s; "
                f"Bolt transfer alone {len(skus) / (t5 - t4):,.0f}/s)")
    finally:
        gw.write(DROP)
    med = {k: statistics.median(v) for k, v in t.items()}
    n = len(skus)
    figures = {
        "products": n, "edges": m, "dim": dim, "repeat": repeat,
        "pull_edges_per_s": m / med["pull"], "plain_match_edges_per_s": m / med["plain"],
        "pull_ratio_vs_plain_match": med["plain"] / med["pull"],
        "writeback_embeddings_per_s": n / med["ours"], "gds_fastrp_write_per_s": n / med["fastrp_write"],
        "writeback_ratio_vs_gds_fastrp_write": med["fastrp_write"] / med["ours"],
        "writeback_ratio_per_round": [f / o for f, o in zip(t["fastrp_write"], t["ours"])],
        "gds_fastrp_call_seconds": med["fastrp_call"], "writeback_goal": 1.0,
        "bolt_transfer_only_per_s": n / med["transfer"],
        "writeback_ratio_vs_transfer_only": med["transfer"] / med["ours"],
        "transfer_only_ratio_vs_gds_fastrp_write": med["fastrp_write"] / med["transfer"],
    }
    log(f"pull: {figures['pull_edges_per_s']:,.0f} edges/s (plain MATCH {figures['plain_match_edges_per_s']:,.0f}; "
        f"ratio {figures['pull_ratio_vs_plain_match']:.2f}x)")
    log(f"write-back: {figures['writeback_embeddings_per_s']:,.0f} embeddings/s vs GDS FastRP write "
        f"{figures['gds_fastrp_write_per_s']:,.0f}/s (ratio {figures['writeback_ratio_vs_gds_fastrp_write']:.2f}x, "
        f"goal >= 1.0; medians of {repeat})")
    log(f"Bolt transfer of the same batches, nothing written: {figures['bolt_transfer_only_per_s']:,.0f}/s "
        f"({figures['transfer_only_ratio_vs_gds_fastrp_write']:.2f}x GDS FastRP write; write-back reaches "
        f"{figures['writeback_ratio_vs_transfer_only']:.2f}x of it)")
    wipe(gw)
    return figures


DROP = "bench/drop_projection"
PROJECT = "bench/project_co_purchases"
FASTRP_WRITE = "bench/fastrp_write"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=5, help="measured rounds (after one warm-up)")
    args = ap.parse_args()
    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        figures = measure(gw, dim=args.dim, repeat=args.repeat, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
