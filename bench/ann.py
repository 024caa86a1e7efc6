"""Embedding-neighbour candidates: an approximate index against the exact product over the catalogue, same run.

    python bench/ann.py [--sizes 10000 100000 262111 1000000] [--data gmm|a0302]
                        [--methods exact relmine faiss_hnsw hnswlib usearch] [--queries 1000]
                        [--threads 2] [--candidates 20000 100000 262111]

For each catalogue size N, each method runs in a process of its own (so its
peak RSS is its own) on the same unit vectors (dim 64), and answers the 50
nearest products by cosine of ``--queries`` seeded products; recall@50 is
against ``exact``, run first at each N:

* ``exact``: what the write-back did before, :func:`relmine.learn.writeback.nearest_exact`
  in blocks of ``min(256, 16M / N)`` products (``[block × C] @ [C × N]``, then top-k);
* ``relmine``: :class:`relmine.learn.writeback.NeighbourIndex` as the write-back
  builds it (exact below ``EXACT_BELOW`` products; else the tuned index);
* ``faiss_hnsw`` (faiss ``IndexHNSWFlat``, M 32, efConstruction 80, efSearch 128),
  ``hnswlib`` and ``usearch`` (same graph settings), each where it is installed
  (only faiss is a dependency of relmine).

``--data gmm``: a seeded gaussian mixture (2,000 centres, or N/50 below 100k;
spread 0.6 around unit-variance centres), centred and L2-normalised as the written
embeddings are. ``--data a0302``: random 64-dim vectors smoothed twice over the
shared amazon0302 graph (``D^-1/2 (A + I) D^-1/2``), centred and normalised: an
untrained-GNN stand-in whose tail neighbours are barely above chance (a hard case).

``--candidates``: the write-back's whole candidate step per product
(:func:`~relmine.learn.writeback.candidate_pairs`, two-hop and embedding
neighbours) on the first N products of amazon0302 with the ``--data`` vectors,
exact against the index, in blocks as the write-back forms them.

Prints a table (build s, ms per product, recall@50, peak RSS, and the ratio of
ms per product against ``exact`` at the same N) and a JSON object as the last line.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RELMINE_DATA") or ROOT.parent / "shared" / "data")
K = 50
DIM = 64


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def amazon0302(n: int | None = None):
    """``(pairs [2, E] lo < hi, nodes)`` of amazon0302, restricted to its first ``n`` products."""
    import numpy as np

    with gzip.open(DATA / "amazon0302.txt.gz", "rt") as f:
        e = np.loadtxt(f, dtype=np.int64, comments="#", usecols=(0, 1))
    m = int(e.max()) + 1 if n is None else n
    e = e[(e[:, 0] < m) & (e[:, 1] < m) & (e[:, 0] != e[:, 1])]
    key = np.unique(np.minimum(e[:, 0], e[:, 1]) * m + np.maximum(e[:, 0], e[:, 1]))
    return np.stack([key // m, key % m]), m


def vectors(kind: str, n: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    if kind == "gmm":
        c = 2000 if n >= 100_000 else max(10, n // 50)
        x = rng.standard_normal((c, DIM)).astype(np.float32)[rng.integers(0, c, n)]
        x += 0.6 * rng.standard_normal((n, DIM)).astype(np.float32)
    else:
        import scipy.sparse as sp

        pairs, n = amazon0302(n)
        a = sp.coo_matrix((np.ones(pairs.shape[1], np.float32), (pairs[0], pairs[1])), shape=(n, n)).tocsr()
        a = a + a.T + sp.eye(n, dtype=np.float32)
        d = sp.diags((1 / np.sqrt(np.asarray(a.sum(1)).ravel())).astype(np.float32))
        x = rng.standard_normal((n, DIM)).astype(np.float32)
        for _ in range(2):
            x = np.asarray(d @ (a @ (d @ x)), dtype=np.float32)
    x -= x.mean(0, keepdims=True)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(x, dtype=np.float32)


def _first_k(ids, q):
    """The first ``K`` ids of each row besides the query itself (and faiss's -1 padding)."""
    import numpy as np

    out = np.full((len(q), K), -1, dtype=np.int64)
    for i, (row, s) in enumerate(zip(ids, q)):
        row = [v for v in row if v != s and v >= 0][:K]
        out[i, :len(row)] = row
    return out


def run_one(kind: str, n: int, method: str, queries: int, threads: int, truth_file: Path) -> dict:
    import numpy as np
    import torch

    from relmine.learn import writeback

    torch.set_num_threads(threads)
    x = vectors(kind, n)
    n = len(x)
    q = np.sort(np.random.default_rng(1).choice(n, min(queries, n), replace=False))
    hn = torch.from_numpy(x)
    before = peak_mb()
    t0 = time.perf_counter()
    extra: dict = {}
    if method == "exact":
        build = 0.0
        bs = max(1, min(256, writeback.DENSE_BUDGET // n))
        t0 = time.perf_counter()
        ids = torch.cat([writeback.nearest_exact(hn, b, K) for b in torch.from_numpy(q).split(bs)]).numpy()
    elif method == "relmine":
        index = writeback.NeighbourIndex(hn)
        build = time.perf_counter() - t0
        extra = {"nprobe": index.nprobe, "tuned_recall": round(index.recall, 4), "indexed": index.index is not None}
        bs = max(1, min(256, writeback.DENSE_BUDGET // n))
        t0 = time.perf_counter()
        got = [index.pairs(b, K) for b in torch.from_numpy(q).split(bs)]
        src, dst = torch.cat([s for s, _ in got]).numpy(), torch.cat([d for _, d in got]).numpy()
        ids = np.full((len(q), K), -1, dtype=np.int64)
        row = np.searchsorted(q, src)
        pos = np.arange(len(src)) - np.searchsorted(src, src)  # rank within its source (sources ascending)
        ids[row, pos] = dst
    elif method == "faiss_hnsw":
        import faiss

        index = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.add(x)
        build = time.perf_counter() - t0
        index.hnsw.efSearch = 128
        t0 = time.perf_counter()
        ids = _first_k(index.search(x[q], K + 1)[1], q)
    elif method == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="ip", dim=DIM)
        index.init_index(max_elements=n, ef_construction=80, M=32, random_seed=0)
        index.set_num_threads(threads)
        index.add_items(x, np.arange(n))
        build = time.perf_counter() - t0
        index.set_ef(128)
        t0 = time.perf_counter()
        ids = _first_k(index.knn_query(x[q], k=K + 1)[0].astype(np.int64), q)
    elif method == "usearch":
        from usearch.index import Index

        index = Index(ndim=DIM, metric="ip", dtype="f32", connectivity=32, expansion_add=80, expansion_search=128)
        index.add(np.arange(n), x, threads=threads)
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        ids = _first_k(np.asarray(index.search(x[q], K + 1, threads=threads).keys, dtype=np.int64), q)
    else:
        raise SystemExit(f"unknown method {method}")
    seconds = time.perf_counter() - t0
    if method == "exact":
        np.save(truth_file, ids)
    truth = np.load(truth_file)
    recall = float(np.mean([len(set(a[a >= 0]) & set(t)) / K for a, t in zip(ids, truth)]))
    return {"n": n, "method": method, "build_s": round(build, 2), "ms_per_product": round(1000 * seconds / len(q), 4),
            "recall50": round(recall, 4), "peak_rss_mb": round(peak_mb()), "rss_before_mb": round(before), **extra}


def candidates_one(kind: str, n: int, method: str, products: int, threads: int) -> dict:
    """ms per product of the write-back's whole candidate step on amazon0302's first ``n`` products, with
    ``kind`` vectors."""
    import numpy as np
    import torch

    from relmine.gnn.edges import Adjacency
    from relmine.learn import writeback

    torch.set_num_threads(threads)
    pairs, n = amazon0302(n)
    p = torch.from_numpy(pairs)
    adj = Adjacency(torch.cat([p, p.flip(0)], 1), n)
    hn = torch.from_numpy(vectors(kind, n))
    t0 = time.perf_counter()
    index = writeback.NeighbourIndex(hn, build=method == "relmine")
    build = time.perf_counter() - t0
    core = torch.from_numpy(np.sort(np.random.default_rng(1).choice(n, min(products, n), replace=False)))
    t0 = time.perf_counter()
    found = sum(writeback.candidate_pairs(adj, hn, b, normalised=True, neighbours=index).size(1)
                for b in writeback._blocks(adj, core))
    seconds = time.perf_counter() - t0
    return {"n": n, "method": f"candidates {method}", "build_s": round(build, 2),
            "ms_per_product": round(1000 * seconds / core.numel(), 4), "pairs_per_product": round(found / core.numel(), 1),
            "peak_rss_mb": round(peak_mb())}


def _child(args: list[str], timeout: float) -> dict | None:
    try:
        done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"  {' '.join(args)}: over {timeout:.0f} s, left out", file=sys.stderr)
        return None
    if done.returncode != 0:
        print(f"  {' '.join(args)}: failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 262_111, 1_000_000],
                    help="catalogue sizes of the neighbour table (none: only --candidates)")
    ap.add_argument("--data", choices=["gmm", "a0302"], default="gmm")
    ap.add_argument("--methods", nargs="+", default=["exact", "relmine", "faiss_hnsw", "hnswlib", "usearch"])
    ap.add_argument("--queries", type=int, default=1000, help="products queried at each size")
    ap.add_argument("--threads", type=int, default=2, help="threads of torch, faiss and the graph libraries")
    ap.add_argument("--candidates", type=int, nargs="*", default=[], help="sizes for the candidate step")
    ap.add_argument("--timeout", type=float, default=900, help="limit of each measurement, seconds")
    ap.add_argument("--one", nargs=3, metavar=("KIND", "N", "METHOD"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    if args.one:
        kind, n, method = args.one
        if kind.startswith("candidates-"):
            out = candidates_one(kind.split("-", 1)[1], int(n), method, args.queries, args.threads)
        else:
            out = run_one(kind, int(n), method, args.queries, args.threads,
                          Path(f"/tmp/relmine-ann-truth-{kind}-{n}-{args.queries}.npy"))
        print(json.dumps(out))
        return out

    rows: list[dict] = []
    common = ["--queries", str(args.queries), "--threads", str(args.threads)]
    for n in args.sizes:
        exact = None
        for method in ["exact"] + [m for m in args.methods if m != "exact"]:
            row = _child(["--one", args.data, str(n), method, *common], args.timeout)
            if row is None:
                if method == "exact":
                    break  # nothing to compare with
                continue
            exact = row if method == "exact" else exact
            row["x_exact"] = round(exact["ms_per_product"] / max(row["ms_per_product"], 1e-9), 2)
            rows.append(row)
            print(f"{row['n']:>9,}  {method:<11} build {row['build_s']:>7.2f} s  {row['ms_per_product']:>8.3f} ms/product"
                  f"  recall@50 {row['recall50']:.4f}  peak RSS {row['peak_rss_mb']:>6,} MB"
                  f" (+{row['peak_rss_mb'] - row['rss_before_mb']:,} over the vectors)  {row['x_exact']:>6.2f}x exact",
                  flush=True)
    for n in args.candidates:
        base = None
        for method in ("exact", "relmine"):
            row = _child(["--one", f"candidates-{args.data}", str(n), method, *common], args.timeout)
            if row is None:
                continue
            base = row if method == "exact" else base
            row["x_exact"] = round(base["ms_per_product"] / max(row["ms_per_product"], 1e-9), 2) if base else None
            rows.append(row)
            print(f"{row['n']:>9,}  {row['method']:<19} build {row['build_s']:>7.2f} s  "
                  f"{row['ms_per_product']:>8.3f} ms/product  {row['pairs_per_product']:>6} pairs/product  "
                  f"peak RSS {row['peak_rss_mb']:>6,} MB  {row['x_exact'] or 0:>6.2f}x exact", flush=True)
    out = {"data": args.data, "threads": args.threads, "queries": args.queries, "cpus": os.cpu_count(),
           "load_avg_at_start": os.getloadavg(), "rows": rows}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
