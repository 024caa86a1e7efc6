"""Weisfeiler-Lehman hashes of every product's k-hop neighbourhood, owned by relmine.

Two hashes, both relmine's own (not networkx's ``weisfeiler_lehman_graph_hash``,
whose values changed in networkx 3.5), so a stored ``p.wl_hash_k<k>`` stays
comparable across library upgrades. Every step is fixed here and pinned by a
unit test. Shared parts:

* ``H(s)``: the first 8 bytes (little-endian) of ``blake2b(s, person=b"relmine-wl")``;
  ``mix``: the splitmix64 finaliser; all arithmetic uint64 modulo 2^64.
* **Initial labels**: ``H("node:" + category)``.
* **Half-edge labels**: a relationship ``u -[T]-> v`` is seen from ``u`` as
  ``H("out:" + T)`` and from ``v`` as ``H("in:" + T)``; parallel ones kept,
  self-loops dropped.
* **Refinement round** ``t``: ``agg(v) = Σ mix(label(u) * K2 + half_edge_label)``
  over the half-edges of ``v`` (a sum, so the neighbour multiset needs no
  sorting), then ``label'(v) = mix(label(v) * K1 + agg(v) + t)``.

**wl2, the whole-graph hash** (:func:`tree_hashes`, what ``relmine wl-hash``
writes): ``k`` refinement rounds over the whole graph's edge arrays at once,
then per product ``blake2b(b"relmine-wl2|k=<k>|" + its labels of rounds 0..k
as little-endian uint64, digest_size=16)``, hex. A product's label after ``k``
rounds stands for its **depth-k unfolding tree**: the tree of every walk of up
to ``k`` relations from it, with categories, types and directions. Equal trees
always give equal hashes; different trees almost always differ. Cost: ``k``
passes over the relations, whatever the neighbourhoods' sizes.

**wl1, the per-ego hash** (:func:`ego_hashes`, ``relmine wl-hash --ego``):
the **ego network** of ``r`` is the products within ``k`` hops (either
direction) and every relationship among them; ``r``'s initial label becomes
``mix(label ^ H("root"))``; ``iterations`` rounds (default ``k``) inside the
ego network; the hash is ``blake2b(b"relmine-wl1|k=<k>|h=<iterations>|" +
the sorted multiset of every ego node's label of every round, digest_size=16)``.
Cost: the sum of every ego network's size (on a dense graph every ego network
is most of the graph).

**How their classes relate** (``k`` rounds; proof in docs/patterns.md, checked
by property tests against the per-ego function): equal wl1 implies equal wl2
(wl1's root label after ``k`` rounds is wl2's tree with the root marked, and
the ego network holds every relation of the products under ``k`` hops). wl2
merges wl1 classes whose ego networks differ only where an unfolding tree is
blind: relations between two products both exactly ``k`` hops away (``k=1``:
whether the neighbours are related to each other, i.e. triangles), and whether
two walks end on the same product or on two look-alikes (cycles, parallel
relations included). Products whose ego networks are trees fall in the same
classes under both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import scipy.sparse as sp

from relmine.errors import InputError, NotFound
from relmine.gateway import Gateway
from relmine.motifs.edgelist import EdgeList, load_edge_list
from relmine.progress import Progress
from relmine.relations import OBSERVED

#: the whole-graph (unfolding-tree) hash that ``relmine wl-hash`` writes
WL_VERSION = "wl2"
#: the per-ego hash (``relmine wl-hash --ego``)
EGO_VERSION = "wl1"
MAX_K = 3
K1 = np.uint64(0x9E3779B97F4A7C15)
K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
#: ego-network half-edges handled per chunk of roots (memory: ~50 bytes each)
CHUNK_BUDGET = 4_000_000
#: half-edges per block of a whole-graph round (temporaries: ~40 bytes each)
ROUND_BLOCK = 1_000_000


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


def ego_hashes(g: EdgeList, k: int = 2, *, iterations: int | None = None, roots: np.ndarray | None = None,
               on_progress: Callable[[int], None] | None = None) -> list[str]:
    """wl1: the WL hash of the k-hop ego network of every product (or of ``roots``), in order."""
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
    header = f"relmine-{EGO_VERSION}|k={k}|h={h}|".encode()
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


# -- wl2: whole-graph colour refinement --------------------------------------------------------

@dataclass(frozen=True)
class _Rows:
    """Half-edges grouped by the product that sees them (CSR), compact: neighbour and a type/direction code."""

    indptr: np.ndarray   # int64, n + 1
    nbr: np.ndarray      # int32 (int64 past 2^31 products)
    code: np.ndarray     # uint16: 2 * type + (0 out, 1 in)
    table: np.ndarray    # uint64 half-edge label per code


def _rows(g: EdgeList) -> _Rows:
    keep = g.src != g.dst
    idx = np.int32 if g.n < 2**31 else np.int64
    src, dst = g.src[keep].astype(idx), g.dst[keep].astype(idx)
    et = g.etype[keep].astype(np.uint16) * np.uint16(2)
    at = np.concatenate([src, dst])
    order = np.argsort(at, kind="stable")
    del at
    nbr = np.concatenate([dst, src])[order]
    code = np.concatenate([et, et + np.uint16(1)])[order]
    del order
    indptr = np.zeros(g.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=g.n) + np.bincount(dst, minlength=g.n), out=indptr[1:])
    table = np.array([h64(f"{d}:{t}") for t in g.type_names for d in ("out", "in")], dtype=np.uint64)
    return _Rows(indptr, nbr, code, table)


def _blocks(indptr: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Consecutive ranges of products with at most ``budget`` half-edges each (a product with more: alone)."""
    n = len(indptr) - 1
    out, lo = [], 0
    while lo < n:
        hi = int(np.searchsorted(indptr, indptr[lo] + budget, side="right")) - 1
        hi = min(max(hi, lo + 1), n)
        out.append((lo, hi))
        lo = hi
    return out


def refine(g: EdgeList, rounds: int, *, on_round: Callable[[int, np.ndarray], None] | None = None) -> list[np.ndarray]:
    """Every product's label after 0, 1, ..., ``rounds`` rounds of WL over the whole graph (uint64 arrays).

    Each round is one pass over the half-edges, in blocks of about
    :data:`ROUND_BLOCK` so that temporaries stay bounded whatever the graph's
    size: ``label[nbr]`` gathered, mixed with the half-edge label, summed per
    product by differences of a cumulative sum (the half-edges are grouped by
    product).
    """
    rows = _rows(g)
    cat_code = {c: h64("node:" + c) for c in set(g.categories)}
    label = np.fromiter((cat_code[c] for c in g.categories), dtype=np.uint64, count=g.n)
    labels = [label]
    blocks = _blocks(rows.indptr, ROUND_BLOCK)
    with np.errstate(over="ignore"):
        for t in range(1, rounds + 1):
            new = np.empty(g.n, dtype=np.uint64)
            for lo, hi in blocks:
                a, b = int(rows.indptr[lo]), int(rows.indptr[hi])
                contrib = mix(label[rows.nbr[a:b]] * K2 + rows.table[rows.code[a:b]])
                cs = np.zeros(b - a + 1, dtype=np.uint64)
                np.cumsum(contrib, out=cs[1:])
                seg = rows.indptr[lo:hi + 1] - a
                new[lo:hi] = mix(label[lo:hi] * K1 + (cs[seg[1:]] - cs[seg[:-1]]) + np.uint64(t))
            label = new
            labels.append(label)
            if on_round is not None:
                on_round(t, label)
    return labels


def tree_digests(labels: list[np.ndarray], k: int, lo: int = 0, hi: int | None = None) -> list[str]:
    """wl2 of products ``lo..hi``: blake2b of the header and each product's labels of rounds 0..k."""
    check_k(k)
    if k >= len(labels):
        raise ValueError(f"labels of {len(labels) - 1} rounds cannot give the hash of k={k}")
    block = np.stack([lab[lo:hi] for lab in labels[:k + 1]], axis=1).astype("<u8", copy=False)
    data = memoryview(np.ascontiguousarray(block).tobytes())
    base = hashlib.blake2b(f"relmine-{WL_VERSION}|k={k}|".encode(), digest_size=16)
    w = 8 * (k + 1)
    out = []
    for i in range(len(block)):
        d = base.copy()
        d.update(data[i * w:(i + 1) * w])
        out.append(d.hexdigest())
    return out


def distinct_classes(labels: list[np.ndarray], k: int) -> int:
    """The number of distinct wl2 values at ``k`` (distinct rows of the labels of rounds 0..k)."""
    rows = np.ascontiguousarray(np.stack(labels[:k + 1], axis=1))
    return len(np.unique(rows.view(np.dtype((np.void, rows.shape[1] * 8))).ravel())) if len(rows) else 0


def tree_hashes(g: EdgeList, k: int = 2) -> list[str]:
    """wl2: the whole-graph WL hash of every product's depth-k unfolding tree, in order."""
    check_k(k)
    return tree_digests(refine(g, k), k)


# -- computing and writing back --------------------------------------------------------------------

@dataclass(frozen=True)
class WLSummary:
    products: int
    relationships: int
    distinct: dict[str, int]
    seconds_read: float
    seconds_hash: float
    seconds_write: float
    method: str = "tree"
    #: products at least one of whose hashes changed, so were written (the others already held them)
    written: int = 0

    @property
    def products_per_second(self) -> float:
        """Products hashed per second of hashing, every k together."""
        return self.products / max(self.seconds_hash, 1e-9)


def compute_and_write(gw: Gateway, ks: Iterable[int] = (1, 2), *, types: Iterable[str] = OBSERVED,
                      ego: bool = False, iterations: int | None = None, batch_size: int = 10_000,
                      writers: int = 2, progress: bool = True, write: bool = True) -> WLSummary:
    """Hash every product's k-hop neighbourhood for each ``k``; write the changed ``p.wl_hash_k<k>`` in batches.

    By default wl2 (:func:`refine`: the rounds of the largest ``k`` serve every
    smaller one); ``ego=True`` is wl1 (:func:`ego_hashes`, ``iterations`` rounds).
    The stored values come with the edge list, and only products whose hash
    changed are written, on ``writers`` sessions at once (batches hold
    different products, so they take no lock in common).
    """
    import time

    ks = sorted({check_k(k) for k in ks})
    if not ks:
        raise InputError("give at least one k")
    if iterations is not None and not ego:
        raise InputError("--iterations applies to the per-ego hash (--ego) only: the whole-graph hash runs k rounds")
    keys = [property_name(k) for k in ks]
    t0 = time.monotonic()
    g = load_edge_list(gw, tuple(types), progress=progress, stored=keys if write else ())
    t1 = time.monotonic()
    digest_s = [0.0]  # seconds spent making tree digests while writing: they count as hashing
    if ego:
        digests, distinct = _ego_digests(g, ks, iterations, progress)
    else:
        digests, distinct = _tree_digests(g, ks, progress, digest_s)
    t2 = time.monotonic()
    changed = _changed_rows(g, ks, keys, digests, batch_size)
    written = 0
    if write:
        with Progress("write WL hashes", unit="products", enabled=progress) as bar:
            written = _write_parallel(gw, "writeback/structure_product_props", changed, batch_size, writers,
                                      bar.update)
    else:
        for _ in changed:  # a dry run still hashes every product
            pass
    t3 = time.monotonic()
    return WLSummary(g.n, len(g.src), distinct, t1 - t0, t2 - t1 + digest_s[0], t3 - t2 - digest_s[0],
                     "ego" if ego else "tree", written)


Digests = Callable[[int, int, int], list[str]]  # (k, lo, hi) -> the hashes at k of products lo..hi-1


def _ego_digests(g: EdgeList, ks: list[int], iterations: int | None, progress: bool) -> tuple[Digests, dict[str, int]]:
    """wl1: every product's hash at each k, made up front; the number of distinct ones per property."""
    hashes: dict[str, list[str]] = {}
    for k in ks:
        with Progress(f"WL hash (per ego) k={k}", total=g.n, unit="products", enabled=progress) as bar:
            hashes[property_name(k)] = ego_hashes(g, k, iterations=iterations, on_progress=bar.update)
    distinct = {key: len(set(v)) for key, v in hashes.items()}

    def digests(k: int, lo: int, hi: int) -> list[str]:
        return hashes[property_name(k)][lo:hi]
    return digests, distinct


def _tree_digests(g: EdgeList, ks: list[int], progress: bool, digest_s: list[float]) -> tuple[Digests, dict[str, int]]:
    """wl2: the refinement rounds up front, the digests batch by batch as they are asked for (memory: the
    labels, not n strings per k; their seconds are added to ``digest_s[0]``)."""
    import sys
    import time

    t1 = time.monotonic()

    def said(t: int, label: np.ndarray) -> None:
        if progress:
            print(f"WL round {t}/{ks[-1]}: {g.n:,} products, {len(np.unique(label)):,} colours "
                  f"({time.monotonic() - t1:,.1f}s)", file=sys.stderr, flush=True)

    labels = refine(g, ks[-1], on_round=said)
    distinct = {property_name(k): distinct_classes(labels, k) for k in ks}

    def digests(k: int, lo: int, hi: int) -> list[str]:
        s0 = time.monotonic()
        out = tree_digests(labels, k, lo, hi)
        digest_s[0] += time.monotonic() - s0
        return out
    return digests, distinct


def _changed_rows(g: EdgeList, ks: list[int], keys: list[str], digests: Digests,
                  batch_size: int) -> Iterator[dict]:
    """``{"sku", "props"}`` of each product with a hash that differs from the stored one (all when none is
    stored), made ``batch_size`` products at a time."""
    for lo in range(0, g.n, batch_size):
        hi = min(lo + batch_size, g.n)
        cols = [(key, digests(k, lo, hi), g.stored.get(key)) for k, key in zip(ks, keys)]
        for i in range(hi - lo):
            props = {key: new[i] for key, new, old in cols if old is None or old[lo + i] != new[i]}
            if props:
                yield {"sku": g.skus[lo + i], "props": props}


def _write_parallel(gw: Gateway, stmt: str, rows: Iterable[dict], batch_size: int, workers: int,
                    on_batch: Callable[[int], None]) -> int:
    """``UNWIND $rows`` batches on ``workers`` sessions, at most two batches per session waiting; rows written."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from relmine.gateway import chunks

    def one(batch: list[dict]) -> int:
        gw.write(stmt, {"rows": batch})
        return len(batch)

    total = 0
    pending: set = set()
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for batch in chunks(rows, batch_size):
            if len(pending) >= 2 * max(1, workers):
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    total += f.result()
                    on_batch(f.result())
            pending.add(pool.submit(one, batch))
        for f in pending:
            total += f.result()
            on_batch(f.result())
    return total


def similar_structure(gw: Gateway, sku: str, k: int = 2, *, limit: int = 50) -> tuple[str, list[dict]]:
    """Products whose k-hop neighbourhood has the same WL hash as ``sku``'s: ``(hash, rows)``."""
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
