"""Graph plumbing in plain torch: an adjacency for pair queries, edge splits, target-edge masking.

Everything here runs on whichever device its tensors live on (CPU or CUDA)
and is deterministic: no atomics, only sorts, searches and bincounts.

Conventions used across :mod:`relmine.gnn`:

* ``edge_index`` ``[2, E]`` holds both directions of every undirected edge.
* ``edge_type`` ``[E]`` (long) holds relation-type ids, ``edge_weight``
  ``[E]`` (float) an optional strength (e.g. ``log1p`` of a co-purchase count).
* ``pairs`` ``[2, B]`` are the node pairs to score (order irrelevant: every
  score in this package is symmetric).
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data


# above this many two-hop walks, paths3 is walked per pair instead of indexed. The index holds at
# most one entry (8-byte key, 4-byte value) per walk: Amazon Photo's whole graph, 24.5M walks, gives
# 6.1M entries and 195 MB more peak RSS in 0.9 s, and trains about 5x faster than walking per pair
# (the limit was 20M, which put Photo on the walk) ...
PATHS3_INDEX_LIMIT = 100_000_000
PATHS3_INDEX_BYTES_PER_WALK = 12  # upper bound of the index's size per two-hop walk
# ... and above this mean two-hop walk per node (a dense co-purchase graph: Online Retail's 3.9k
# products with 3.7M pairs), walking costs too much per pair: the 3-path feature is 0 there
PATHS3_WALK_LIMIT = 5_000
# Adjacency.memoize keeps pairs' common neighbours only while the walk that finds them (the lower
# endpoint degrees, summed) stays under this: Photo's 101k training pairs walk 3.5M neighbours. The
# walk costs about 65 bytes an entry at its peak (measured: the 1.27M pairs of the 56k-product
# generated catalogue walk 64.6M, +4.0 GB), outside the run's memory estimate, so at most 0.65 GB here
MEMO_WALK_LIMIT = 10_000_000


_FORCED_PATHS3: str | None = None


@contextlib.contextmanager
def paths3_forced(mode: str | None):
    """Inside the block every :class:`Adjacency` computes the 3-path feature as ``mode`` (``index``,
    ``walk`` or ``off``): a training run decides once, on its whole graph, so that training (on a
    smaller graph), testing and write-back all compute the same feature."""
    global _FORCED_PATHS3
    before, _FORCED_PATHS3 = _FORCED_PATHS3, mode
    try:
        yield
    finally:
        _FORCED_PATHS3 = before


# sorting the queries first pays only when the keys do not fit in the CPU's caches. 413k queries
# (a Photo step's negatives), sorted first / not: 5.3M keys (the 3-path index) 196-232 / 301-317 ms,
# 202k keys (the adjacency) 154-347 / 53-65 ms
SORT_QUERIES_ABOVE_KEYS = 1_000_000


def _search(keys: Tensor, query: Tensor) -> Tensor:
    """``searchsorted(keys, query)``, clamped to valid positions; large queries into many keys are
    sorted first so the binary searches walk the keys in order (faster on CPU, see above)."""
    if query.numel() > 4096 and keys.numel() > SORT_QUERIES_ABOVE_KEYS:
        sorted_query, order = torch.sort(query)
        pos = torch.empty_like(order)
        pos[order] = torch.searchsorted(keys, sorted_query)
    else:
        pos = torch.searchsorted(keys, query)
    return pos.clamp_(max=keys.numel() - 1)


class Adjacency:
    r"""A simple undirected graph in CSR form for fast, vectorised pair queries.

    Duplicate edges and self-loops are dropped. Keys ``row * N + col`` are kept
    sorted so that :meth:`has_edge` is a binary search and
    :meth:`common_neighbors` walks the neighbour list of the lower-degree
    endpoint of every pair.

    Args:
        edge_index (Tensor): edges ``[2, E]``; both directions should be present
            (the graph is taken as given, it is not symmetrised).
        num_nodes (int): number of nodes :math:`N`.

    Shapes:
        - **rowptr** ``[N + 1]``, **col** ``[E']``, **deg** ``[N]`` (after
          de-duplication).
    """

    def __init__(self, edge_index: Tensor, num_nodes: int):
        self.num_nodes = int(num_nodes)
        row, col = edge_index[0].long(), edge_index[1].long()
        keep = row != col
        keys = torch.unique(row[keep] * self.num_nodes + col[keep])  # sorted
        self.keys = keys
        row = keys // self.num_nodes
        self.col = keys % self.num_nodes
        self.deg = torch.bincount(row, minlength=self.num_nodes)
        self.rowptr = torch.zeros(self.num_nodes + 1, dtype=torch.long, device=keys.device)
        self.rowptr[1:] = torch.cumsum(self.deg, 0)
        self._paths3: tuple[Tensor, Tensor, Tensor, Tensor] | None = None
        self._paths3_mode: str | None = None
        self._memo: tuple[Tensor, Tensor, Tensor, Tensor, Tensor] | None = None

    @property
    def num_edges(self) -> int:
        """Number of directed entries (twice the undirected edges of a symmetric graph)."""
        return int(self.keys.numel())

    @property
    def device(self) -> torch.device:
        return self.keys.device

    def __repr__(self) -> str:
        return f"Adjacency(num_nodes={self.num_nodes}, num_edges={self.num_edges})"

    def has_edge(self, src: Tensor, dst: Tensor) -> Tensor:
        """Boolean ``[B]``: whether ``src[i] -> dst[i]`` is an edge."""
        if self.keys.numel() == 0:
            return torch.zeros(src.shape, dtype=torch.bool, device=src.device)
        key = src.long() * self.num_nodes + dst.long()
        return self.keys[_search(self.keys, key)] == key

    def neighbors(self, node: int) -> Tensor:
        return self.col[self.rowptr[node]:self.rowptr[node + 1]]

    def _walk(self, a: Tensor) -> tuple[Tensor, Tensor]:
        """``(pair, node)``: every neighbour ``node`` of ``a[pair]``, pairs in order."""
        pair, at = _ranges(self.rowptr[a], self.deg[a])
        return pair, self.col[at]

    def _lower_degree_first(self, src: Tensor, dst: Tensor) -> tuple[Tensor, Tensor]:
        src, dst = src.long(), dst.long()
        swap = self.deg[src] > self.deg[dst]
        return torch.where(swap, dst, src), torch.where(swap, src, dst)

    def memoize(self, src: Tensor, dst: Tensor) -> None:
        """Remember the common neighbours and 3-path counts of the pairs ``(src[i], dst[i])``.

        For pairs asked about again and again, a training run's target edges:
        :meth:`common_neighbors` and :meth:`paths3` then look them up (in the
        same orientation; other pairs are computed as before), with the same
        values. Skipped when finding them would walk more than
        :data:`MEMO_WALK_LIMIT` neighbours (a dense graph), as memory grows
        with the walk. The 3-path counts are those of the mode in force at the
        call (:func:`paths3_forced`); a second call replaces the first.
        """
        key = torch.unique(src.long() * self.num_nodes + dst.long())
        src, dst = key // self.num_nodes, key % self.num_nodes
        if not key.numel() or int(self.deg[self._lower_degree_first(src, dst)[0]].sum()) > MEMO_WALK_LIMIT:
            return
        self._memo = None  # (pair key, first node, node count, nodes, 3-path count)
        pair, node = self.common_neighbors(src, dst)
        count = torch.bincount(pair, minlength=key.numel())
        self._memo = (key, torch.cumsum(count, 0) - count, count, node, self.paths3(src, dst))

    def _recall(self, src: Tensor, dst: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``(hit, slot, miss)``: positions of memoized pairs, their memo slots, positions of the others."""
        key = src.long() * self.num_nodes + dst.long()
        known = self._memo[0]
        slot = _search(known, key)
        found = known[slot] == key
        hit = found.nonzero().squeeze(1)
        return hit, slot[hit], (~found).nonzero().squeeze(1)

    def common_neighbors(self, src: Tensor, dst: Tensor) -> tuple[Tensor, Tensor]:
        """Incidence of common neighbours of the pairs ``(src[i], dst[i])``.

        Returns:
            ``(pair, node)``, two long tensors ``[M]``: node ``node[m]`` is a
            common neighbour of pair ``pair[m]``. Pairs are visited in order,
            nodes in ascending order within a pair.
        """
        if self._memo is None:
            return self._find_common_neighbors(src, dst)
        hit, slot, miss = self._recall(src, dst)
        _, first, memo_count, memo_node, _ = self._memo
        hit_count = memo_count[slot]
        miss_pair, miss_node = self._find_common_neighbors(src[miss], dst[miss])
        count = torch.zeros(src.numel(), dtype=torch.long, device=src.device)
        count[hit] = hit_count
        count[miss] = torch.bincount(miss_pair, minlength=miss.numel())
        # lay both out pair by pair: each pair's nodes go, in their order, to its own range
        start = torch.cumsum(count, 0) - count
        node = torch.empty(int(count.sum()), dtype=torch.long, device=src.device)
        node[_ranges(start[hit], hit_count)[1]] = memo_node[_ranges(first[slot], hit_count)[1]]
        node[_ranges(start[miss], count[miss])[1]] = miss_node
        pair = torch.repeat_interleave(torch.arange(src.numel(), device=src.device), count, output_size=node.numel())
        return pair, node

    def _find_common_neighbors(self, src: Tensor, dst: Tensor) -> tuple[Tensor, Tensor]:
        a, b = self._lower_degree_first(src, dst)
        pair, node = self._walk(a)
        hit = self.has_edge(b[pair], node)
        return pair[hit], node[hit]

    def _paths3_index(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        if self._paths3 is None:
            n, device = self.num_nodes, self.device
            row = torch.repeat_interleave(torch.arange(n, device=device), self.deg)
            dinv = self.deg.clamp(min=1).to(torch.float32).rsqrt()
            idx = torch.stack([row, self.col])
            # keys are sorted and unique: the index is coalesced by construction
            norm = torch.sparse_coo_tensor(idx, dinv[row] * dinv[self.col], (n, n),
                                           check_invariants=False, is_coalesced=True)
            ones = torch.sparse_coo_tensor(idx, torch.ones_like(dinv[row]), (n, n),
                                           check_invariants=False, is_coalesced=True)
            with warnings.catch_warnings():  # "sparse CSR support is in beta"
                warnings.filterwarnings("ignore", message=".*is in beta state.*")
                p = torch.sparse.mm(norm, ones).coalesce()  # P = D^-1/2 A D^-1/2 A, rows sorted
            keys = p.indices()[0] * n + p.indices()[1]
            s = torch.zeros(n, device=device).index_add_(0, row, dinv[self.col])
            self._paths3 = (keys, p.values(), s, dinv)
        return self._paths3

    def paths3(self, src: Tensor, dst: Tensor) -> Tensor:
        r"""Degree-normalised count of 3-paths ``i - a - b - j``, as if the pair's own edge were absent, ``[B]``.

        :math:`\sum_{a \in N(i) \setminus j,\, b \in N(j) \setminus i,\, a \sim b} (d_a d_b)^{-1/2}`,
        i.e. ``(A D^-1/2 A D^-1/2 A)_ij`` minus the walks through the edge
        ``(i, j)`` itself. Paths of length three link "complements of
        complements" and, unlike common neighbours, exist for pairs without
        any. On a sparse graph this uses ``P = D^-1/2 A D^-1/2 A``, built on
        first use (its size is the number of two-hop pairs); when
        ``sum(deg^2)`` exceeds :data:`PATHS3_INDEX_LIMIT` (a dense
        co-purchase graph), the same sum is walked per pair instead, in
        chunks, so memory stays bounded (same values).
        """
        if self._memo is None:
            return self._count_paths3(src, dst)
        hit, slot, miss = self._recall(src, dst)
        out = torch.empty(src.numel(), device=src.device)
        *_, memo_paths3 = self._memo
        out[hit] = memo_paths3[slot]
        out[miss] = self._count_paths3(src[miss], dst[miss])
        return out

    def _count_paths3(self, src: Tensor, dst: Tensor) -> Tensor:
        i, j = self._lower_degree_first(src, dst)
        out = torch.zeros(i.numel(), device=i.device)
        dinv = self.deg.clamp(min=1).to(torch.float32).rsqrt()
        if i.numel() and self.num_edges and self.paths3_mode() != "off":
            if self.paths3_mode() == "index":
                keys, vals, s, dinv = self._paths3_index()
                pair, a = self._walk(i)
                key = a * self.num_nodes + j[pair]
                pos = _search(keys, key)
                val = torch.where(keys[pos] == key, vals[pos], torch.zeros((), device=i.device))
                out.index_add_(0, pair, val)
            else:
                s = self._neighbour_dinv_sum(dinv)
                self._paths3_walk(i, j, dinv, out)
        else:
            s = self._neighbour_dinv_sum(dinv)
        own = self.has_edge(i, j).to(out.dtype)
        out -= own * (dinv[j] * s[j] + dinv[i] * s[i] - dinv[i] * dinv[j])
        return out.clamp_(min=0)

    def two_hop_walks(self) -> int:
        """``sum(deg^2)``: the walks of length two, an upper bound on the two-hop pairs."""
        return int((self.deg.to(torch.float64) ** 2).sum())

    def two_hop_walk(self) -> Tensor:
        """Per node ``u``, ``sum_{a in N(u)} deg(a)``: its walks of length two, ``[N]`` (built on first use)."""
        if getattr(self, "_two_hop_walk", None) is None:
            row = torch.repeat_interleave(torch.arange(self.num_nodes, device=self.device), self.deg)
            self._two_hop_walk = torch.zeros(self.num_nodes, dtype=torch.long,
                                             device=self.device).index_add_(0, row, self.deg[self.col])
        return self._two_hop_walk

    def paths3_mode(self) -> str:
        """How :meth:`paths3` is computed: ``index``, ``walk`` (per pair) or ``off`` (too dense: zeros)."""
        if _FORCED_PATHS3 is not None:
            return _FORCED_PATHS3
        if getattr(self, "_paths3_mode", None) is None:
            walks = self.two_hop_walks()
            if self._paths3 is not None or walks <= PATHS3_INDEX_LIMIT:
                self._paths3_mode = "index"
            elif walks / max(self.num_nodes, 1) <= PATHS3_WALK_LIMIT:
                self._paths3_mode = "walk"
            else:
                self._paths3_mode = "off"
                warnings.warn(f"3-path feature off: {walks:,} two-hop walks over {self.num_nodes:,} nodes "
                              f"(more than {PATHS3_WALK_LIMIT:,} per node)", stacklevel=2)
        return self._paths3_mode

    def _neighbour_dinv_sum(self, dinv: Tensor) -> Tensor:
        row = torch.repeat_interleave(torch.arange(self.num_nodes, device=self.device), self.deg)
        return torch.zeros(self.num_nodes, device=self.device).index_add_(0, row, dinv[self.col])

    def _paths3_walk(self, i: Tensor, j: Tensor, dinv: Tensor, out: Tensor, chunk: int = 4_000_000) -> None:
        """``out[p] += sum_{a in N(i_p)} dinv[a] * sum_{b in N(a) & N(j_p)} dinv[b]``, in bounded chunks."""
        cost = self.two_hop_walk()[i] + 1  # bounds the common-neighbour walks of the chunk's (a, j) pairs
        ends = torch.cumsum(cost, 0)
        start = 0
        while start < i.numel():
            stop = int(torch.searchsorted(ends, ends[start] - cost[start] + chunk, right=True))
            stop = min(max(stop, start + 1), i.numel())
            pair, a = self._walk(i[start:stop])
            jj = j[start:stop][pair]
            cp, b = self._find_common_neighbors(a, jj)
            val = dinv[a[cp]] * dinv[b]
            out.index_add_(0, start + pair[cp], val)
            start = stop

    def heuristics(self, src: Tensor, dst: Tensor,
                   cn: tuple[Tensor, Tensor] | None = None) -> Tensor:
        """Common neighbours, Adamic–Adar and resource allocation of pairs, ``[B, 3]``."""
        pair, node = cn if cn is not None else self.common_neighbors(src, dst)
        n = src.numel()
        d = self.deg[node].to(torch.float32)  # >= 2 for a common neighbour
        w = torch.stack([torch.ones_like(d), 1.0 / torch.log(d), 1.0 / d], dim=1)
        # index_add_ has a deterministic CUDA path (bincount with weights has none)
        return torch.zeros(n, 3, device=src.device).index_add_(0, pair, w)

    def edge_index(self) -> Tensor:
        row = torch.repeat_interleave(torch.arange(self.num_nodes, device=self.device), self.deg)
        return torch.stack([row, self.col])


def _ranges(start: Tensor, count: Tensor) -> tuple[Tensor, Tensor]:
    """``(seg, at)``: the positions ``start[s], ..., start[s] + count[s] - 1`` of every range ``s``, in order."""
    total = int(count.sum())
    seg = torch.repeat_interleave(torch.arange(count.numel(), device=count.device), count, output_size=total)
    first = torch.cumsum(count, 0) - count
    return seg, start[seg] + torch.arange(total, device=count.device) - first[seg]


def undirected_pairs(edge_index: Tensor) -> Tensor:
    """Unique undirected pairs ``[2, P]`` with ``src < dst`` (self-loops dropped), sorted."""
    return typed_undirected_pairs(edge_index)[0]


def typed_undirected_pairs(edge_index: Tensor, edge_type: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
    """Unique ``(pair, type)`` combinations: pairs ``[2, P]`` with ``src < dst`` and their types ``[P]``.

    A pair related by two types (say ``CO_PURCHASED`` and ``CO_VIEWED``)
    appears once per type; without ``edge_type`` the types are ``None``.
    """
    row, col = edge_index[0].long(), edge_index[1].long()
    lo, hi = torch.minimum(row, col), torch.maximum(row, col)
    keep = lo != hi
    n = int(edge_index.max()) + 1 if edge_index.numel() else 1
    r = int(edge_type.max()) + 1 if edge_type is not None and edge_type.numel() else 1
    t = edge_type[keep].long() if edge_type is not None else torch.zeros_like(lo[keep])
    key = torch.unique((lo[keep] * n + hi[keep]) * r + t)
    pair = key // r
    return torch.stack([pair // n, pair % n]), (key % r if edge_type is not None else None)


def to_undirected(pairs: Tensor, *edge_values: Tensor) -> tuple[Tensor, ...]:
    """Both directions of ``pairs``; per-pair values are repeated to match."""
    out = torch.cat([pairs, pairs.flip(0)], dim=1)
    return (out, *(torch.cat([v, v]) for v in edge_values))


def mask_edges(edge_index: Tensor, num_nodes: int, pairs: Tensor) -> Tensor:
    """Boolean ``[E]``: True for edges of ``edge_index`` that are not (either direction of) ``pairs``."""
    n = num_nodes
    key = edge_index[0].long() * n + edge_index[1].long()
    drop = torch.cat([pairs[0] * n + pairs[1], pairs[1] * n + pairs[0]])
    return ~torch.isin(key, drop)


@dataclass
class LinkSplit:
    """A held-out link-prediction split of one graph.

    ``graph`` carries only the training edges (message passing and heuristics
    use it at validation and test time). ``*_neg`` are shared negatives (the
    same for every positive, as in ogbl-collab/ppa); ``test_neg_per_edge``
    ``[P, M]`` holds ``M`` corrupted tails per test positive for MRR.
    """

    graph: Data
    train_pos: Tensor        # [2, P_train]
    val_pos: Tensor          # [2, P_val]
    val_neg: Tensor          # [2, P_val]
    test_pos: Tensor         # [2, P_test]
    test_neg: Tensor         # [2, P_test]
    test_neg_per_edge: Tensor  # [P_test, M] tail candidates

    def __repr__(self) -> str:
        return (f"LinkSplit(nodes={self.graph.num_nodes}, train={self.train_pos.size(1)}, "
                f"val={self.val_pos.size(1)}, test={self.test_pos.size(1)}, "
                f"mrr_negatives={self.test_neg_per_edge.size(1)})")


def sample_non_edges(num: int, num_nodes: int, forbidden: Adjacency,
                     rng: np.random.Generator, exclude: Tensor | None = None) -> Tensor:
    """``num`` distinct uniform node pairs (``src < dst``) that are not edges of ``forbidden``."""
    n = num_nodes
    taken = set() if exclude is None else set((exclude[0] * n + exclude[1]).tolist())
    out: list[int] = []
    seen: set[int] = set()
    while len(out) < num:
        k = max(2 * (num - len(out)), 64)
        cand = rng.integers(0, n, size=(2, k))
        lo, hi = np.minimum(cand[0], cand[1]), np.maximum(cand[0], cand[1])
        ok = lo != hi
        lo, hi = lo[ok], hi[ok]
        edge = forbidden.has_edge(torch.from_numpy(lo), torch.from_numpy(hi)).numpy()
        for key in (lo[~edge] * n + hi[~edge]).tolist():
            if key not in seen and key not in taken:
                seen.add(key)
                out.append(key)
                if len(out) == num:
                    break
    key = torch.tensor(out, dtype=torch.long)
    return torch.stack([key // n, key % n])


def split_edges(data: Data, val_ratio: float = 0.05, test_ratio: float = 0.10, seed: int = 0,
                mrr_negatives: int = 100) -> LinkSplit:
    """Random edge split of an undirected graph for held-out evaluation.

    Undirected edges are shuffled with ``seed`` and cut into
    ``1 - val - test`` / ``val`` / ``test``. Shared negatives (as many as
    positives, as PyG's ``RandomLinkSplit`` does) are uniform non-edges of the
    *whole* graph, disjoint between validation and test. For MRR every test
    positive ``(u, v)`` gets ``mrr_negatives`` tails ``v'`` with ``(u, v')``
    not an edge of the whole graph.

    Node features and relation types are carried over to ``graph``; edge
    attributes are taken per undirected edge from the ``src < dst`` direction.
    """
    if not 0 <= val_ratio < 1 or not 0 < test_ratio < 1 or val_ratio + test_ratio >= 1:
        raise ValueError(f"bad split ratios val={val_ratio}, test={test_ratio}")
    n = int(data.num_nodes)
    rng = np.random.default_rng(seed)
    full = Adjacency(data.edge_index, n)
    row, col = data.edge_index
    one_way = row < col
    pairs = data.edge_index[:, one_way]
    etype = data.edge_type[one_way] if getattr(data, "edge_type", None) is not None else None
    eweight = data.edge_weight[one_way] if getattr(data, "edge_weight", None) is not None else None
    # de-duplicate (keep the first of each pair)
    key = pairs[0] * n + pairs[1]
    _, first = np.unique(key.numpy(), return_index=True)
    first = torch.from_numpy(np.sort(first))
    pairs = pairs[:, first]
    perm = torch.from_numpy(rng.permutation(pairs.size(1)))
    n_test = int(round(test_ratio * pairs.size(1)))
    n_val = int(round(val_ratio * pairs.size(1)))
    test_idx, val_idx, train_idx = perm[:n_test], perm[n_test:n_test + n_val], perm[n_test + n_val:]

    train_pos = pairs[:, train_idx]
    values = []
    if etype is not None:
        values.append(etype[first][train_idx])
    if eweight is not None:
        values.append(eweight[first][train_idx])
    ei, *vals = to_undirected(train_pos, *values)
    graph = Data(x=data.x, edge_index=ei, num_nodes=n)
    if etype is not None:
        graph.edge_type = vals.pop(0)
    if eweight is not None:
        graph.edge_weight = vals.pop(0)
    for name in ("y",):
        if getattr(data, name, None) is not None:
            graph[name] = data[name]

    val_pos, test_pos = pairs[:, val_idx], pairs[:, test_idx]
    val_neg, test_neg, per_edge = held_out_negatives(val_pos, test_pos, n, full, rng, mrr_negatives)
    return LinkSplit(graph, train_pos, val_pos, val_neg, test_pos, test_neg, per_edge)


def held_out_negatives(val_pos: Tensor, test_pos: Tensor, n: int, full: Adjacency, rng: np.random.Generator,
                       mrr_negatives: int) -> tuple[Tensor, Tensor, Tensor]:
    """Shared uniform non-edges of ``full`` for validation and test (disjoint), and ``mrr_negatives``
    corrupted tails per test positive (never the head itself, never an edge of ``full``)."""
    test_neg = sample_non_edges(test_pos.size(1), n, full, rng)
    val_neg = sample_non_edges(val_pos.size(1), n, full, rng, exclude=test_neg)
    per_edge = torch.from_numpy(rng.integers(0, n, size=(test_pos.size(1), mrr_negatives)))
    # resample tails that hit the head itself or a true edge, until none does
    for _ in range(100):
        heads = test_pos[0].unsqueeze(1).expand_as(per_edge)
        bad = (per_edge == heads) | full.has_edge(heads.reshape(-1), per_edge.reshape(-1)).view_as(per_edge)
        if not bad.any():
            break
        per_edge[bad] = torch.from_numpy(rng.integers(0, n, size=int(bad.sum())))
    return val_neg, test_neg, per_edge
