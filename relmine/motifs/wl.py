"""Weisfeiler-Lehman hashes of every product's k-hop ego network, owned by relmine.

The hash is relmine's own (``WL_VERSION = "wl1"``), not networkx's
``weisfeiler_lehman_graph_hash`` (whose values changed in networkx 3.5), so a
stored ``p.wl_hash_k<k>`` stays comparable across library upgrades. Every step
is fixed here and pinned by a unit test:

* **Ego network** of product ``r``: the products within ``k`` hops of ``r``
  (relations of the chosen types, either direction) and every relationship
  among them (parallel ones kept, self-loops dropped).
* **Initial labels**: ``H("node:" + category)``, where ``H(s)`` is the first 8
  bytes (little-endian) of ``blake2b(s, person=b"relmine-wl")``; the ego node
  itself gets ``mix(label ^ H("root"))``.
* **Half-edge labels**: a relationship ``u -[T]-> v`` is seen from ``u`` as
  ``H("out:" + T)`` and from ``v`` as ``H("in:" + T)``.
* **Refinement** (``iterations`` rounds, default ``k``), in uint64 arithmetic
  modulo 2^64: ``agg(v) = Σ mix(label(u) * K2 + half_edge_label)`` over the
  half-edges of ``v`` inside the ego network (a sum, so the neighbour multiset
  needs no sorting), then ``label'(v) = mix(label(v) * K1 + agg(v) + round)``;
  ``mix`` is the splitmix64 finaliser.
* **Graph hash**: ``blake2b(b"relmine-wl1|k=<k>|h=<iterations>|" + the sorted
  multiset of every node's label of every round as little-endian uint64,
  digest_size=16)``, hex: 32 characters.

Isomorphic rooted ego networks (same categories, types and directions) always
get the same hash; different ones almost always differ (WL cannot tell some
regular structures apart).

All ego networks are computed together, in chunks of roots, with sparse
matrix products for the k-hop balls and vectorised numpy for the refinement.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import scipy.sparse as sp

from relmine.errors import InputError, NotFound
from relmine.gateway import Gateway
from relmine.motifs.edgelist import EdgeList, load_edge_list
from relmine.progress import Progress
from relmine.relations import OBSERVED

WL_VERSION = "wl1"
MAX_K = 3
K1 = np.uint64(0x9E3779B97F4A7C15)
K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
#: ego-network half-edges handled per chunk of roots (memory: ~50 bytes each)
CHUNK_BUDGET = 4_000_000


def h64(text: str) -> int:
    """A stable 64-bit hash of a string."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=b"relmine-wl").digest(),
                          "little")


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> _S30)
        x = x * _M1
        x = x ^ (x >> _S27)
        x = x * _M2
        return x ^ (x >> _S31)


def property_name(k: int) -> str:
    check_k(k)
    return f"wl_hash_k{k}"


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InputError(f"k must be an integer from 1 to {MAX_K}, not {k!r}")
    return k


@dataclass(frozen=True)
class _HalfEdges:
    indptr: np.ndarray
    nbr: np.ndarray
    label: np.ndarray


def _half_edges(g: EdgeList) -> _HalfEdges:
    keep = g.src != g.dst
    src, dst, et = g.src[keep], g.dst[keep], g.etype[keep]
    out_code = np.array([h64("out:" + t) for t in g.type_names], dtype=np.uint64)
    in_code = np.array([h64("in:" + t) for t in g.type_names], dtype=np.uint64)
    at = np.concatenate([src, dst])
    nbr = np.concatenate([dst, src])
    lab = np.concatenate([out_code[et], in_code[et]]) if len(et) else np.zeros(0, dtype=np.uint64)
    order = np.argsort(at, kind="stable")
    indptr = np.zeros(g.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(at, minlength=g.n), out=indptr[1:])
    return _HalfEdges(indptr, nbr[order], lab[order])


def _expand(indptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each entry of ``nodes``, the positions of its CSR row: (owner entry, position)."""
    starts, counts = indptr[nodes], indptr[nodes + 1] - indptr[nodes]
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(nodes), dtype=np.int64), counts)
    firsts = np.cumsum(counts) - counts
    pos = np.arange(total, dtype=np.int64) - np.repeat(firsts, counts) + np.repeat(starts, counts)
    return owner, pos


def wl_hashes(g: EdgeList, k: int = 2, *, iterations: int | None = None, roots: np.ndarray | None = None,
              on_progress: Callable[[int], None] | None = None) -> list[str]:
    """The WL hash of the k-hop ego network of every product (or of ``roots``), in order."""
    check_k(k)
    h = k if iterations is None else iterations
    if not 1 <= h <= 10:
        raise InputError("iterations must be from 1 to 10")
    n = g.n
    roots = np.arange(n, dtype=np.int64) if roots is None else np.asarray(roots, dtype=np.int64)
    adj = g.simple_undirected()
    half = _half_edges(g)
    half_deg = np.diff(half.indptr)
    cat_code = {c: h64("node:" + c) for c in set(g.categories)}
    base = np.array([cat_code[c] for c in g.categories], dtype=np.uint64)
    root_code = np.uint64(h64("root"))
    header = f"relmine-{WL_VERSION}|k={k}|h={h}|".encode()
    out: list[str] = []
    step = max(1, min(len(roots), 256))
    i = 0
    while i < len(roots):
        chunk = roots[i:i + step]
        ball = _balls(adj, chunk, k)
        load = int(half_deg[ball.indices].sum())
        if load > CHUNK_BUDGET and len(chunk) > 1:
            step = max(1, len(chunk) // 2)
            continue
        out.extend(_chunk_hashes(ball, chunk, half, base, root_code, h, header, n))
        i += len(chunk)
        if on_progress is not None:
            on_progress(len(chunk))
        # aim the next chunk at the budget
        per_root = max(load / len(chunk), 1.0)
        step = int(max(1, min(4096, CHUNK_BUDGET / per_root)))
    return out


def _balls(adj: sp.csr_matrix, chunk: np.ndarray, k: int) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(len(chunk), dtype=np.int64), (np.arange(len(chunk)), chunk)),
                      shape=(len(chunk), adj.shape[0]))
    for _ in range(k):
        m = m + m @ adj
        m.data[:] = 1
    m.sort_indices()
    return m


def _chunk_hashes(ball: sp.csr_matrix, chunk: np.ndarray, half: _HalfEdges, base: np.ndarray,
                  root_code: np.uint64, h: int, header: bytes, n: int) -> list[str]:
    e = ball.nnz
    inst_row = np.repeat(np.arange(len(chunk), dtype=np.int64), np.diff(ball.indptr))
    inst_node = ball.indices.astype(np.int64)
    keys = inst_row * n + inst_node  # sorted: rows, then sorted column indices
    owner, pos = _expand(half.indptr, inst_node)
    nkey = inst_row[owner] * n + half.nbr[pos]
    j = np.searchsorted(keys, nkey)
    inside = j < e
    inside[inside] = keys[j[inside]] == nkey[inside]
    src, dst, hlab = owner[inside], j[inside], half.label[pos[inside]]
    # src is non-decreasing: segment sums by cumulative sums
    counts = np.bincount(src, minlength=e)
    ends = np.cumsum(counts)
    begins = ends - counts

    label = base[inst_node].copy()
    is_root = inst_node == chunk[inst_row]
    label[is_root] = mix(label[is_root] ^ root_code)
    rounds = [label]
    with np.errstate(over="ignore"):
        for t in range(1, h + 1):
            contrib = mix(label[dst] * K2 + hlab)
            cs = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(contrib, dtype=np.uint64)])
            agg = cs[ends] - cs[begins]
            label = mix(label * K1 + agg + np.uint64(t))
            rounds.append(label)
    values = np.stack(rounds, axis=1).reshape(-1)            # instance-major: (inst, round)
    ego = np.repeat(inst_row, h + 1)
    order = np.lexsort((values, ego))
    data = values[order].astype("<u8").tobytes()
    bounds = np.concatenate([[0], np.cumsum(np.bincount(ego, minlength=len(chunk)))]) * 8
    return [hashlib.blake2b(header + data[bounds[r]:bounds[r + 1]], digest_size=16).hexdigest()
            for r in range(len(chunk))]


@dataclass(frozen=True)
class WLSummary:
    products: int
    relationships: int
    distinct: dict[str, int]
    seconds_read: float
    seconds_hash: float
    seconds_write: float


def compute_and_write(gw: Gateway, ks: Iterable[int] = (1, 2), *, types: Iterable[str] = OBSERVED,
                      iterations: int | None = None, batch_size: int = 10_000, progress: bool = True,
                      write: bool = True) -> WLSummary:
    """Hash every product's k-hop ego network for each ``k``; write ``p.wl_hash_k<k>`` in batches."""
    import time

    ks = sorted({check_k(k) for k in ks})
    if not ks:
        raise InputError("give at least one k")
    t0 = time.monotonic()
    g = load_edge_list(gw, tuple(types), progress=progress)
    t1 = time.monotonic()
    hashes: dict[str, list[str]] = {}
    for k in ks:
        with Progress(f"WL hash k={k}", total=g.n, unit="products", enabled=progress) as bar:
            hashes[property_name(k)] = wl_hashes(g, k, iterations=iterations, on_progress=bar.update)
    t2 = time.monotonic()
    if write and g.n:
        rows = ({"sku": sku, "props": {key: vals[i] for key, vals in hashes.items()}}
                for i, sku in enumerate(g.skus))
        with Progress("write WL hashes", total=g.n, unit="products", enabled=progress) as bar:
            gw.write_batches("writeback/structure_product_props", rows, batch_size=batch_size,
                             on_batch=lambda n, _s: bar.update(n))
    t3 = time.monotonic()
    return WLSummary(g.n, len(g.src), {key: len(set(v)) for key, v in hashes.items()}, t1 - t0, t2 - t1, t3 - t2)


def similar_structure(gw: Gateway, sku: str, k: int = 2, *, limit: int = 50) -> tuple[str, list[dict]]:
    """Products whose k-hop ego network has the same WL hash as ``sku``'s: ``(hash, rows)``."""
    key = property_name(k)
    if not 1 <= limit <= 10_000:
        raise InputError("limit must be from 1 to 10,000")
    row = gw.read_one("bi/product_structure_hash", {"sku": sku, "key": key}, timeout=60.0)
    if row is None:
        raise NotFound(f"no product with sku {sku!r}")
    if row["hash"] is None:
        raise NotFound(f"product {sku!r} has no {key}; run `relmine wl-hash --k {k}` first")
    rows = gw.read("bi/products_with_structure_hash", {"key": key, "hash": row["hash"], "exclude": sku,
                                                        "limit": limit}, timeout=60.0)
    return row["hash"], rows
