"""Neo4j <-> tensors throughput of the training pipeline, against named baselines in the same run.

* pull: edges/s of ``relmine.learn.extract`` pulling the whole Amazon Photo graph as one partition
  (baseline: a single plain ``MATCH (a)-[r]->(b) RETURN`` of the same edges through the driver);
* embeddings: written per second by ``learn/set_embeddings`` through the embed task's own writer
  (:class:`relmine.learn.writeback.Writer`, ``--sessions`` driver sessions), against GDS FastRP
  ``.write`` of the same dimension on the same graph (its own reported writeMillis, which leaves out
  projection and compute: the strictest reading), and against the Bolt floor: the same batches sent
  through one session to a statement that writes nothing (``UNWIND $rows AS row RETURN count(*)``),
  i.e. Bolt's packing, transfer and the server's decoding of the float lists alone (goal: 0.9x of it);
* ``[:PREDICTED]``: relationships written per second by ``learn/create_predicted`` (the partition's
  delete-first included, as the embed task runs it), the exact top-``--top-k`` by cosine of every
  product over the same vectors, against ``gds.knn.write`` writing its top-k of every product over
  those vectors (projected from ``p.embedding_next``; its writeMillis, compute left out);
  goals: >= 50,000/s and >= 0.5x of it;
* attention: values per second (two properties each: the value and its run) written by
  ``learn/set_attention`` (one row per source product) for every CO_PURCHASED pair, against the
  Bolt floor of the same rows.

A profile goes with each: the same batches through a statement that only finds the products (the
index lookups) and one that writes nothing (Bolt). Each is measured ``--repeat`` times, alternating
relmine and its baselines so that load drifts on a shared machine hit them alike; medians give the
ratios. The load average before and after and the peak RSS of this process and of the local Neo4j
server are printed. ``bench/train.py`` runs this too when Neo4j is reachable.

Usage: python bench/pipeline.py [--dim 64] [--repeat 5] [--top-k 10] [--sessions N]   (Neo4j from
NEO4J_URI or the local server; the database is wiped). Last line: a JSON object of figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relmine.config import Settings  # noqa: E402
from relmine.gateway import Gateway  # noqa: E402
from relmine.learn.extract import extract_skus  # noqa: E402
from relmine.learn.writeback import (ATTENTION, EMBEDDING_BATCH, EMBEDDINGS, PREDICTED,  # noqa: E402
                                     WRITE_BATCH, WRITE_SESSIONS, Writer, attention_groups, embedding_rows,
                                     predicted_groups, predicted_params)
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


def exact_top_k(emb: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(src, dst, cosine)``: every product's ``k`` nearest others by cosine, best first (exact, in blocks)."""
    hn = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    src, dst, sim = [], [], []
    for start in range(0, len(hn), 1024):
        block = hn[start:start + 1024] @ hn.T
        block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = -np.inf
        top = np.argpartition(-block, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(block, top, 1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, 1)
        src.append(np.repeat(np.arange(start, start + block.shape[0]), k))
        dst.append(top.reshape(-1))
        sim.append(np.take_along_axis(block, top, 1).reshape(-1))
    return np.concatenate(src), np.concatenate(dst), np.concatenate(sim).astype(np.float32)


def _server_peak_rss_mb() -> float | None:
    """Peak RSS of the local Neo4j server (VmHWM of the pid relmine's launcher recorded), if it can be read."""
    import os

    pid_file = Path(os.environ.get("RELMINE_HOME", "")) / "neo4j" / "run" / "neo4j.pid"
    try:
        pid = pid_file.read_text().split()[0]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        return None
    return None


def measure(gw: Gateway, *, dim: int = 64, repeat: int = 5, top_k: int = 10, sessions: int = WRITE_SESSIONS,
            log=print) -> dict:
    """Load Photo into the (wiped) database, measure pull and the three write-backs against their baselines."""
    import os
    import resource
    import statistics

    load_before = os.getloadavg()
    wipe(gw)
    apply_schema(gw)
    skus, m = load_photo(gw)
    log(f"loaded Amazon Photo: {len(skus)} products, {m} CO_PURCHASED")
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((len(skus), dim)).astype(np.float32)
    names = np.asarray(skus, dtype=object)
    rows = embedding_rows(skus, torch.from_numpy(emb))
    # the same top-k per product that gds.knn.write writes, over the same vectors, grouped as the embed task does
    src, dst, sim = exact_top_k(emb, top_k)
    rank = np.tile(np.arange(1, top_k + 1), len(skus))
    params = predicted_params(["CO_PURCHASED"])
    groups = predicted_groups(names, src, dst, np.zeros_like(src), sim, rank)
    predicted = int(src.size)
    # one attention value per CO_PURCHASED pair, matched in whichever direction it is stored
    pairs = gw.read(PLAIN_PULL)
    index = {sku: i for i, sku in enumerate(skus)}
    attention, attention_sizes = attention_groups(
        names, [index[r["a"]] for r in pairs], [index[r["b"]] for r in pairs], ["CO_PURCHASED"] * len(pairs),
        rng.random(len(pairs)))
    gw.write(DROP)
    gw.write(PROJECT)
    t: dict[str, list[float]] = {k: [] for k in (
        "plain", "pull", "ours", "transfer", "fastrp_write", "fastrp_call", "predicted", "knn_write", "knn_call",
        "predicted_transfer", "attention", "attention_transfer", "embedding_lookups", "predicted_lookups")}
    try:
        for r in range(repeat + 1):  # round 0 warms caches and the JIT, not measured
            t0 = time.perf_counter()
            plain = gw.read(PLAIN_PULL)
            t1 = time.perf_counter()
            sub = extract_skus(gw, skus, ["CO_PURCHASED"], halo_hops=0)
            t2 = time.perf_counter()
            if sub.num_edges != len(plain) or len(plain) != m:
                raise SystemExit(f"pull mismatch: {sub.num_edges} vs {len(plain)} vs {m}")
            with Writer(gw, "bench", sessions=sessions) as writer:  # what write_partition runs
                writer.put(EMBEDDINGS, rows, batch=EMBEDDING_BATCH)
            t3 = time.perf_counter()
            rec = gw.write(FASTRP_WRITE, {"dim": dim}).records[0]
            t4 = time.perf_counter()
            gw.write_batches(TRANSFER_ONLY, rows, batch_size=WRITE_BATCH, extra={"run_id": "bench"})
            t5 = time.perf_counter()

            gw.write_autocommit(DELETE_WRITTEN)
            t6 = time.perf_counter()
            with Writer(gw, "bench", sessions=sessions) as writer:  # what write_partition runs, delete-first included
                writer.put("learn/delete_partition_predicted", skus, key="skus")
                writer.wait()
                writer.put_grouped(PREDICTED, groups, params)
            t7 = time.perf_counter()
            if writer.rows[PREDICTED] != predicted:
                raise SystemExit(f"wrote {writer.rows[PREDICTED]} of {predicted} [:PREDICTED]")
            gw.write(DROP_KNN)
            gw.write(PROJECT_KNN)
            t8 = time.perf_counter()
            knn = gw.write(KNN_WRITE, {"top_k": top_k}).records[0]
            t9 = time.perf_counter()
            gw.write(DROP_KNN)
            if knn["relationshipsWritten"] != predicted:
                raise SystemExit(f"gds.knn.write wrote {knn['relationshipsWritten']}, relmine {predicted}")
            t10 = time.perf_counter()
            Writer(gw, "bench", background=False).put_grouped(TRANSFER_GROUPED, groups, params)
            t11 = time.perf_counter()
            with Writer(gw, "bench", sessions=sessions) as writer:
                writer.put_grouped(ATTENTION, attention, sizes=attention_sizes)
            t12 = time.perf_counter()
            if writer.rows[ATTENTION] != len(pairs):
                raise SystemExit(f"wrote {writer.rows[ATTENTION]} of {len(pairs)} attention values")
            Writer(gw, "bench", background=False).put_grouped(TRANSFER_GROUPED, attention, sizes=attention_sizes)
            t13 = time.perf_counter()
            # the profile: the same batches, the products found and nothing written
            with Writer(gw, "bench", sessions=sessions) as writer:
                writer.put(LOOKUP_PRODUCTS, rows, batch=EMBEDDING_BATCH)
            t14 = time.perf_counter()
            with Writer(gw, "bench", sessions=sessions) as writer:
                writer.put_grouped(LOOKUP_PAIRS, groups, params)
            t15 = time.perf_counter()
            if not r:
                continue
            for key, value in (("plain", t1 - t0), ("pull", t2 - t1), ("ours", t3 - t2),
                               ("fastrp_write", rec["writeMillis"] / 1000), ("fastrp_call", t4 - t3),
                               ("transfer", t5 - t4), ("predicted", t7 - t6),
                               ("knn_write", knn["writeMillis"] / 1000), ("knn_call", t9 - t8),
                               ("predicted_transfer", t11 - t10), ("attention", t12 - t11),
                               ("attention_transfer", t13 - t12), ("embedding_lookups", t14 - t13),
                               ("predicted_lookups", t15 - t14)):
                t[key].append(value)
            log(f"round {r}: pull {m / (t2 - t1):,.0f} edges/s (plain {m / (t1 - t0):,.0f}); embeddings "
                f"{len(skus) / (t3 - t2):,.0f}/s (FastRP write {rec['nodePropertiesWritten'] / max(t['fastrp_write'][-1], 1e-9):,.0f}/s; "
                f"Bolt transfer alone {len(skus) / (t5 - t4):,.0f}/s); [:PREDICTED] {predicted / (t7 - t6):,.0f}/s "
                f"(gds.knn.write {predicted / max(t['knn_write'][-1], 1e-9):,.0f}/s, its call {t9 - t8:.1f} s; Bolt alone "
                f"{predicted / (t11 - t10):,.0f}/s); attention {len(pairs) / (t12 - t11):,.0f}/s "
                f"(Bolt alone {len(pairs) / (t13 - t12):,.0f}/s)")
    finally:
        gw.write(DROP)
        gw.write(DROP_KNN)
    med = {k: statistics.median(v) for k, v in t.items()}
    n, a = len(skus), len(pairs)
    figures = {
        "products": n, "edges": m, "dim": dim, "repeat": repeat, "top_k": top_k, "sessions": sessions,
        "pull_edges_per_s": m / med["pull"], "plain_match_edges_per_s": m / med["plain"],
        "pull_ratio_vs_plain_match": med["plain"] / med["pull"],
        "writeback_embeddings_per_s": n / med["ours"], "gds_fastrp_write_per_s": n / med["fastrp_write"],
        "writeback_ratio_vs_gds_fastrp_write": med["fastrp_write"] / med["ours"],
        "writeback_ratio_per_round": [f / o for f, o in zip(t["fastrp_write"], t["ours"])],
        "gds_fastrp_call_seconds": med["fastrp_call"], "writeback_goal": 1.0,
        "bolt_transfer_only_per_s": n / med["transfer"],
        "writeback_ratio_vs_transfer_only": med["transfer"] / med["ours"],
        "writeback_ratio_vs_transfer_only_per_round": [f / o for f, o in zip(t["transfer"], t["ours"])],
        "writeback_vs_transfer_only_goal": 0.9,
        "transfer_only_ratio_vs_gds_fastrp_write": med["fastrp_write"] / med["transfer"],
        "predicted": predicted, "predicted_per_s": predicted / med["predicted"],
        "gds_knn_write_per_s": predicted / med["knn_write"], "gds_knn_call_seconds": med["knn_call"],
        "predicted_ratio_vs_gds_knn_write": med["knn_write"] / med["predicted"],
        "predicted_ratio_vs_gds_knn_write_per_round": [k / o for k, o in zip(t["knn_write"], t["predicted"])],
        "predicted_goal_per_s": 50_000, "predicted_goal_ratio": 0.5,
        "predicted_transfer_only_per_s": predicted / med["predicted_transfer"],
        "attention_values_per_s": a / med["attention"], "attention_properties_per_s": 2 * a / med["attention"],
        "attention_transfer_only_per_s": a / med["attention_transfer"],
        "attention_ratio_vs_transfer_only": med["attention_transfer"] / med["attention"],
        "embedding_lookups_only_per_s": n / med["embedding_lookups"],
        "predicted_lookups_only_per_s": predicted / med["predicted_lookups"],
        "profile_seconds": {"embeddings": {"write": med["ours"], "lookups_only": med["embedding_lookups"],
                                           "bolt_only": med["transfer"]},
                            "predicted": {"write": med["predicted"], "lookups_only": med["predicted_lookups"],
                                          "bolt_only": med["predicted_transfer"], "gds_knn_write": med["knn_write"]},
                            "attention": {"write": med["attention"], "bolt_only": med["attention_transfer"]}},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "neo4j_peak_rss_mb": _server_peak_rss_mb(),
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    log(f"pull: {figures['pull_edges_per_s']:,.0f} edges/s (plain MATCH {figures['plain_match_edges_per_s']:,.0f}; "
        f"ratio {figures['pull_ratio_vs_plain_match']:.2f}x)")
    log(f"embeddings: {figures['writeback_embeddings_per_s']:,.0f}/s vs GDS FastRP write "
        f"{figures['gds_fastrp_write_per_s']:,.0f}/s (ratio {figures['writeback_ratio_vs_gds_fastrp_write']:.2f}x); "
        f"Bolt transfer of the same batches, nothing written: {figures['bolt_transfer_only_per_s']:,.0f}/s (write-back "
        f"reaches {figures['writeback_ratio_vs_transfer_only']:.2f}x of it, goal >= 0.9)")
    log(f"[:PREDICTED]: {figures['predicted_per_s']:,.0f} relationships/s ({predicted:,}, top {top_k} of each product, "
        f"{sessions} sessions) vs gds.knn.write {figures['gds_knn_write_per_s']:,.0f}/s (its writeMillis; ratio "
        f"{figures['predicted_ratio_vs_gds_knn_write']:.2f}x, goal >= 0.5x and >= 50,000/s); Bolt transfer alone "
        f"{figures['predicted_transfer_only_per_s']:,.0f}/s")
    log(f"attention: {figures['attention_values_per_s']:,.0f} relations/s "
        f"({figures['attention_properties_per_s']:,.0f} "
        f"properties/s: value and run); Bolt transfer alone {figures['attention_transfer_only_per_s']:,.0f}/s")
    log(f"profile (s, medians): {json.dumps(figures['profile_seconds'])}")
    log(f"peak RSS: bench {figures['peak_rss_mb']:,.0f} MB, Neo4j {figures['neo4j_peak_rss_mb'] or 0:,.0f} MB; "
        f"load average {figures['load_before']} before, {figures['load_after']} after (medians of {repeat})")
    wipe(gw)
    return figures


DROP = "bench/drop_projection"
PROJECT = "bench/project_co_purchases"
FASTRP_WRITE = "bench/fastrp_write"
DROP_KNN = "bench/drop_knn_projection"
PROJECT_KNN = "bench/project_embeddings"
KNN_WRITE = "bench/knn_write"
DELETE_WRITTEN = "bench/delete_written_relations"
TRANSFER_GROUPED = "bench/transfer_only_grouped"
LOOKUP_PRODUCTS = "bench/lookup_products"
LOOKUP_PAIRS = "bench/lookup_predicted_pairs"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=5, help="measured rounds (after one warm-up)")
    ap.add_argument("--top-k", type=int, default=10, help="[:PREDICTED] (and kNN relations) per product")
    ap.add_argument("--sessions", type=int, default=WRITE_SESSIONS, help="driver sessions the write-back writes with")
    args = ap.parse_args()
    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        figures = measure(gw, dim=args.dim, repeat=args.repeat, top_k=args.top_k, sessions=args.sessions, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
