"""The graph a training run learns from: every product, and its significant observed relations.

:func:`pull_learning_graph` reads the product graph out of Neo4j in batches
of products into compact arrays (int32 node indexes, one entry per
undirected typed relation), so the client's memory grows with ``16 bytes x
relations`` plus the feature matrix, never with Python objects per edge.

**Significance filter** (:class:`RelationFilter`). A real co-purchase graph
is dense with one-off pairs: the shared grocery catalogue has 9.4M
``CO_PURCHASED`` pairs among 56k products, most of them seen once. A run
learns from the relations that pass:

* ``min_count``: a relation's count (``r.count``: the orders holding both
  products) at least this; a relation without a count has nothing to
  filter by and passes; and
* ``top_k``: a relation is kept when it is among the ``top_k`` strongest
  (``r.weight``, else ``r.count``: for co-purchases the weight is
  ``sum 1/(basket size - 1)``, so one huge basket does not outweigh many
  small ones) of the same type at *either* of its two products (ties broken by the other
  product's position, so the result is deterministic). A product with at
  most ``top_k`` relations of a type keeps them all, and a type whose
  relations all have the same strength (no counts: ``amazon0302``, Amazon
  Photo, metadata links) has nothing to rank by and is left whole.

The filter, and what it kept, are recorded on the run. Node features are
``p.features`` (a list of numbers, e.g. Amazon Photo's 745 bag-of-words
values) when every product has one of the same length, else the hashed
title/category/price/degree features of :func:`relmine.gnn.features.node_features`.
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import numpy as np
import torch
from torch_geometric.data import Data

from relmine.errors import InputError
from relmine.gateway import Gateway
from relmine.relations import OBSERVED

log = logging.getLogger(__name__)

READ_BATCH = 2_000          # products per read at most ...
READ_RELATIONS = 150_000    # ... and about this many relations per read (dense graphs: fewer products)


@dataclass(frozen=True)
class RelationFilter:
    """Which observed relations a run learns from (see the module docstring)."""

    min_count: float = 1.0   # 1 and 0: keep everything (a run's defaults are TrainSpec's)
    top_k: int = 0    # 0: no limit

    def __post_init__(self):
        if self.min_count < 0 or self.top_k < 0:
            raise InputError("min_count and top_k must be >= 0")


@dataclass
class LearningGraph:
    skus: list[str]
    x: torch.Tensor          # [N, F] float32
    pairs: np.ndarray        # [2, P] int64, lo < hi, one column per (pair, type)
    types: np.ndarray        # [P] int64 relation-type ids (index into OBSERVED)
    weights: np.ndarray      # [P] float32 strength (the larger of the two directions)
    features: str            # "vectors" (p.features) or "hashed"
    stats: dict = field(default_factory=dict)
    # [2, D] int64, lo < hi: related pairs the filter left out entirely (no type of theirs kept). The
    # run does not learn from them, but they are observed: the write-back never predicts them.
    dropped: np.ndarray = field(default_factory=lambda: np.zeros((2, 0), dtype=np.int64))
    # [P] int64: when each relation was first seen (epoch microseconds, the earlier of its two directions),
    # -1 where the graph does not say (metadata links, edge lists without dates); None: not pulled
    first_seen: np.ndarray | None = None

    @property
    def num_nodes(self) -> int:
        return len(self.skus)

    def adjacency(self):
        """The :class:`~relmine.gnn.edges.Adjacency` of all these relations (built once, then shared)."""
        from relmine.gnn.edges import Adjacency

        if getattr(self, "_adjacency", None) is None:
            p = torch.from_numpy(self.pairs).long()
            self._adjacency = Adjacency(torch.cat([p, p.flip(0)], 1), self.num_nodes)
        return self._adjacency

    def data(self, pairs: np.ndarray | None = None, types: np.ndarray | None = None,
             weights: np.ndarray | None = None) -> Data:
        """A PyG graph (both directions) of these relations, or of a subset of them."""
        p = torch.from_numpy(self.pairs if pairs is None else pairs).long()
        t = torch.from_numpy(self.types if types is None else types).long()
        w = torch.log1p(torch.from_numpy(self.weights if weights is None else weights).float().clamp(min=0))
        return Data(x=self.x, edge_index=torch.cat([p, p.flip(0)], 1), edge_type=torch.cat([t, t]),
                    edge_weight=torch.cat([w, w]), num_nodes=self.num_nodes)

    def to_bytes(self) -> bytes:
        """The structure (not the features) as tensors, for the run's write-back tasks."""
        buffer = io.BytesIO()
        torch.save({"skus": self.skus, "pairs": torch.from_numpy(self.pairs),
                    "types": torch.from_numpy(self.types), "weights": torch.from_numpy(self.weights),
                    "dropped": torch.from_numpy(self.dropped.astype(np.int32)),  # 8 bytes a pair
                    "features": self.features, "stats": self.stats}, buffer)
        return buffer.getvalue()


def memory_estimate(num_nodes: int, num_relations: int, num_features: int, step_edges: int,
                    paths3_walks: int = 0) -> int:
    """Bytes a training run needs at least: graph arrays, adjacency, features, one step's activations,
    and two 3-path indexes of ``paths3_walks`` two-hop walks (the training graph's, then the whole graph's
    for testing and write-back; 0 when the run walks the 3-paths per pair or has them off)."""
    from relmine.gnn.edges import PATHS3_INDEX_BYTES_PER_WALK
    from relmine.gnn.sampling import BYTES_PER_STEP_EDGE

    directed = 2 * num_relations
    return int(num_nodes * num_features * 4 + directed * 120 + step_edges * BYTES_PER_STEP_EDGE
               + 2 * paths3_walks * PATHS3_INDEX_BYTES_PER_WALK + 1.2e9)


def pull_learning_graph(gw: Gateway, types: list[str], relation_filter: RelationFilter, *,
                        text_dim: int = 256, progress=None) -> LearningGraph:
    """Every product and its observed relations of ``types`` that pass ``relation_filter``."""
    import pandas as pd

    from relmine.gnn.features import node_features

    t0 = time.monotonic()
    skus = [r["sku"] for r in gw.read("evaluate/product_skus")]
    if len(skus) < 2:
        raise InputError(f"the graph holds {len(skus)} products; ingest a catalogue first")
    index = pd.Index(skus)
    type_id = {t: i for i, t in enumerate(OBSERVED)}
    src_parts, dst_parts, type_parts, weight_parts, count_parts, seen_parts = [], [], [], [], [], []
    feats, vectors = [], []
    pulled, done = 0, 0
    for batch in _batches(skus, lambda: pulled / max(done, 1)):
        cols = gw.read_one("learn/product_features", {"skus": batch, "types": types}, raw=True)
        rows = [{key: cols[key][i] for key in cols} for i in range(len(cols["sku"]))]
        feats.append(node_features(rows, text_dim))
        vec = gw.read_one("learn/product_vectors", {"skus": batch}, raw=True)["features"]
        vectors.append(vec)
        cols = gw.read_one("learn/out_relations", {"skus": batch, "types": types}, raw=True)
        if cols["src"]:
            src = index.get_indexer(cols["src"])
            dst = index.get_indexer(cols["dst"])
            ok = (src >= 0) & (dst >= 0) & (src != dst)
            src_parts.append(src[ok].astype(np.int64))
            dst_parts.append(dst[ok].astype(np.int64))
            type_parts.append(np.array([type_id[t] for t in cols["type"]], dtype=np.int64)[ok])
            weight_parts.append(np.asarray(cols["weight"], dtype=np.float64)[ok].astype(np.float32))
            count = np.asarray(cols["count"], dtype=np.float64)
            count[count < 0] = np.nan  # no count (the query's -1)
            count_parts.append(count[ok].astype(np.float32))
            seen_parts.append(np.asarray(cols["first_seen"], dtype=np.int64)[ok])
            pulled += int(ok.sum())
        done += len(batch)
        if progress is not None:
            progress(done, len(skus), pulled)
    x, features = _features(feats, vectors, skus)
    del feats, vectors
    cat = (lambda parts, dtype: np.concatenate(parts) if parts else np.empty(0, dtype=dtype))
    src, dst = cat(src_parts, np.int64), cat(dst_parts, np.int64)
    rtype, weight, count = cat(type_parts, np.int64), cat(weight_parts, np.float32), cat(count_parts, np.float32)
    seen = cat(seen_parts, np.int64)
    del src_parts, dst_parts, type_parts, weight_parts, count_parts, seen_parts
    pairs, ptype, pweight, pcount, pseen = undirected(src, dst, rtype, weight, len(skus), count, first_seen=seen)
    del src, dst, rtype, weight, count, seen
    before = pairs.shape[1]
    keep = significant(pairs, ptype, pweight, len(skus), relation_filter, counts=pcount)
    dropped = _dropped_pairs(pairs, keep, len(skus))
    pairs, ptype, pweight, pseen = pairs[:, keep], ptype[keep], pweight[keep], pseen[keep]
    per_type = {OBSERVED[t]: int(c) for t, c in zip(*np.unique(ptype, return_counts=True))}
    stats = {"products": len(skus), "relations_pulled": pulled, "relations_undirected": before,
             "relations_kept": int(pairs.shape[1]), "kept_by_type": per_type, "features": features,
             "filter": asdict(relation_filter), "seconds_pull": round(time.monotonic() - t0, 2)}
    return LearningGraph(skus, x, pairs, ptype, pweight, features, stats, dropped, first_seen=pseen)


def _dropped_pairs(pairs: np.ndarray, keep: np.ndarray, n: int) -> np.ndarray:
    """``[2, D]``: the pairs of which no (pair, type) column is kept."""
    if keep.all():
        return np.zeros((2, 0), dtype=np.int64)
    key = pairs[0] * n + pairs[1]
    gone = np.setdiff1d(key[~keep], key[keep])
    return np.stack([gone // n, gone % n])


def _batches(skus: list[str], per_product):
    """Batches of products sized so that each read brings about :data:`READ_RELATIONS` relations
    (``per_product()``: the mean so far), at most :data:`READ_BATCH` products, at least 10."""
    start, size = 0, 100  # a first small read measures the density
    while start < len(skus):
        yield skus[start:start + size]
        start += size
        size = int(min(READ_BATCH, max(10, READ_RELATIONS / max(per_product(), 1e-9))))


def _features(hashed: list[torch.Tensor], vectors: list[list], skus: list[str]) -> tuple[torch.Tensor, str]:
    flat = [v for part in vectors for v in part]
    lengths = {len(v) for v in flat}
    if len(flat) == len(skus) and len(lengths) == 1 and lengths != {0}:
        return torch.tensor(np.asarray(flat, dtype=np.float32)), "vectors"
    if any(flat):
        missing = sum(not v for v in flat)
        log.warning("p.features present on %d of %d products (or of unequal lengths): using hashed features",
                    len(flat) - missing, len(skus))
    return torch.cat(hashed), "hashed"


def undirected(src: np.ndarray, dst: np.ndarray, rtype: np.ndarray, weight: np.ndarray, n: int,
               count: np.ndarray | None = None, *, first_seen: np.ndarray | None = None):
    """One column per (unordered pair, type), sorted, with the larger strength of its directions.

    Returns ``(pairs, types, weights)``, then the counts of the kept entries when ``count`` is given,
    then, with ``first_seen`` (-1: unknown), the earliest known first sighting of either direction.
    """
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    r = len(OBSERVED)
    key = (lo * n + hi) * r + rtype
    order = np.lexsort((-weight, key))  # by key, strongest first
    key, weight = key[order], weight[order]
    first = np.ones(key.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    key, weight = key[first], weight[first]
    pair = key // r
    out = (np.stack([pair // n, pair % n]), key % r, weight)
    if count is not None:
        out = (*out, count[order][first])
    if first_seen is not None:
        known = np.where(first_seen < 0, np.iinfo(np.int64).max, first_seen)[order]
        earliest = np.minimum.reduceat(known, starts) if starts.size else known[:0]
        out = (*out, np.where(earliest == np.iinfo(np.int64).max, -1, earliest))
    return out


def significant(pairs: np.ndarray, ptype: np.ndarray, weight: np.ndarray, n: int,
                relation_filter: RelationFilter, counts: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the relations that pass ``min_count`` (on ``counts``, default ``weight``) and
    the per-product ``top_k`` (by ``weight``). A relation without a count (NaN: a metadata link, an
    edge list without counts) and a type whose relations all have the same count have nothing to
    filter by and pass ``min_count``, whatever else shares their type."""
    by = weight if counts is None else counts
    keep = np.isnan(by) | (by >= relation_filter.min_count)
    for t in np.unique(ptype):
        of_t = ptype == t
        if np.nanmin(by[of_t], initial=np.inf) == np.nanmax(by[of_t], initial=-np.inf):
            keep[of_t] = True
    k = relation_filter.top_k
    if k <= 0 or pairs.shape[1] == 0:
        return keep
    # a type whose relations all have the same strength has nothing to rank by: top_k leaves it whole
    ranked = np.zeros(len(OBSERVED), dtype=bool)
    for t in np.unique(ptype):
        w_t = weight[ptype == t]
        ranked[t] = w_t.min() < w_t.max()
    if not ranked.any():
        return keep
    m = pairs.shape[1]
    ends = np.concatenate([pairs[0], pairs[1]])
    others = np.concatenate([pairs[1], pairs[0]])
    t = np.concatenate([ptype, ptype])
    w = np.concatenate([weight, weight])
    ok = np.concatenate([keep, keep])
    # per (product, type): strongest first, ties by the other product; only relations past min_count rank
    order = np.lexsort((others, -w, ~ok, t, ends))
    group = ends[order] * len(OBSERVED) + t[order]
    start = np.ones(order.size, dtype=bool)
    start[1:] = group[1:] != group[:-1]
    first_pos = np.maximum.accumulate(np.where(start, np.arange(order.size), 0))
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size) - first_pos
    top = (rank < k) & ok
    return keep & (top[:m] | top[m:] | ~ranked[ptype])


@dataclass
class RunSplit:
    """A run's held-out slices: ``train`` is a mask over the learning graph's relations."""

    train: np.ndarray       # [P] bool
    val_pos: torch.Tensor   # [2, V] pairs (at most max_eval of them)
    val_neg: torch.Tensor
    test_pos: torch.Tensor  # [2, T]
    test_neg: torch.Tensor
    test_neg_per_edge: torch.Tensor  # [T, M]
    held_out: dict = field(default_factory=dict)


HOLDOUTS = ("auto", "time", "random")
# auto takes the time holdout when at least this share of the related pairs carries a first sighting
TIMED_SHARE = 0.5


def _iso(micros: int) -> str:
    return datetime.fromtimestamp(micros / 1e6, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def pair_first_seen(lg: LearningGraph, inverse: np.ndarray, pairs: int) -> np.ndarray:
    """``[pairs]`` int64: each unique pair's earliest first sighting over its types (-1: unknown)."""
    out = np.full(pairs, np.iinfo(np.int64).max, dtype=np.int64)
    if lg.first_seen is not None:
        known = lg.first_seen >= 0
        np.minimum.at(out, inverse[known], lg.first_seen[known])
    out[out == np.iinfo(np.int64).max] = -1
    return out


def time_roles(first: np.ndarray, val_ratio: float, test_ratio: float) -> tuple[np.ndarray, dict]:
    """Roles (0 train, 1 validation, 2 test) of pairs by when they were first seen: the latest window, holding
    about ``test_ratio`` of the pairs that carry a time, is the test; the window before it, about ``val_ratio``,
    validation; everything first seen earlier (and every pair without a time) trains. A window starts at a
    time, so pairs first seen at the same moment share a role. Raises when the times cannot make two windows."""
    timed = np.sort(first[first >= 0])
    n_test = max(1, int(round(test_ratio * timed.size)))
    n_val = max(1, int(round(val_ratio * timed.size)))
    if timed.size < n_test + n_val + 1:
        raise InputError(f"only {timed.size} related pairs carry a first-seen time: too few for a time holdout "
                         "(use --holdout random)")
    test_from, val_from = timed[timed.size - n_test], timed[timed.size - n_test - n_val]
    role = np.zeros(first.size, dtype=np.int8)
    role[first >= test_from] = 2
    role[(first >= val_from) & (first < test_from)] = 1
    if not (role == 1).any() or not (role == 0).any():
        raise InputError("the relations' first-seen times are too few distinct moments for a validation and a "
                         "test window before them (use --holdout random)")
    windows = {"val_from": _iso(int(val_from)), "test_from": _iso(int(test_from)), "test_to": _iso(int(timed[-1])),
               "timed_pairs": int(timed.size)}
    return role, windows


def choose_holdout(holdout: str, first: np.ndarray) -> str:
    """``time`` or ``random`` for ``holdout`` (``auto``: time where most related pairs carry a time)."""
    if holdout not in HOLDOUTS:
        raise InputError(f"holdout must be one of {', '.join(HOLDOUTS)}, got {holdout!r}")
    timed_share = float((first >= 0).mean()) if first.size else 0.0
    if holdout == "time" and timed_share == 0:
        raise InputError("--holdout time: no relation carries a first-seen time (ingest orders with their "
                         "dates, or `relmine migrate`); use --holdout random")
    if holdout == "auto":
        return "time" if timed_share >= TIMED_SHARE else "random"
    return holdout


def split_relations(lg: LearningGraph, *, seed: int, val_ratio: float = 0.05, test_ratio: float = 0.10,
                    max_eval: int = 20_000, mrr_negatives: int = 100, holdout: str = "random") -> RunSplit:
    """Hold out validation and test slices of the product *pairs* (every type of a pair together).

    ``holdout`` ``random``: a seeded ``val_ratio`` and ``test_ratio`` of the pairs. ``time``: the pairs first
    seen in the latest window (about ``test_ratio`` of the timed pairs) are the test and the window before it
    validation (:func:`time_roles`), so the run learns from the past and is scored on what came after it.
    ``auto``: ``time`` where most pairs carry a first-seen time (orders with dates), else ``random``.
    Negatives are uniform non-edges of the whole learning graph, as in
    :func:`relmine.gnn.edges.split_edges`; validation and test use at most
    ``max_eval`` of their held-out pairs (a seeded sample) so their cost stays bounded.
    """
    from relmine.gnn.edges import held_out_negatives

    n = lg.num_nodes
    rng = np.random.default_rng(seed)
    key = lg.pairs[0] * n + lg.pairs[1]
    uniq, inverse = np.unique(key, return_inverse=True)
    if uniq.size < 20:
        raise InputError(f"only {uniq.size} related product pairs to learn from; too few to hold out "
                         "validation and test slices")
    first = pair_first_seen(lg, inverse, uniq.size)
    mode = choose_holdout(holdout, first)
    perm = rng.permutation(uniq.size)  # drawn in both modes: the rest of the run's random stream is the same
    windows: dict = {}
    if mode == "time":
        role, windows = time_roles(first, val_ratio, test_ratio)
        n_test, n_val = int((role == 2).sum()), int((role == 1).sum())
    else:
        n_test, n_val = max(1, int(round(test_ratio * uniq.size))), max(1, int(round(val_ratio * uniq.size)))
        role = np.zeros(uniq.size, dtype=np.int8)   # 0 train, 1 val, 2 test
        role[perm[:n_test]] = 2
        role[perm[n_test:n_test + n_val]] = 1
    full = lg.adjacency()

    def pick(r: int) -> torch.Tensor:
        keys = uniq[role == r]
        if keys.size > max_eval:
            keys = np.sort(rng.choice(keys, max_eval, replace=False))
        return torch.from_numpy(np.stack([keys // n, keys % n])).long()

    test_pos, val_pos = pick(2), pick(1)
    val_neg, test_neg, per_edge = held_out_negatives(val_pos, test_pos, n, full, rng, mrr_negatives)
    train = role[inverse] == 0
    held = {"seed": seed, "pairs": int(uniq.size), "val_pairs": int(n_val), "test_pairs": int(n_test),
            "val_scored": int(val_pos.size(1)), "test_scored": int(test_pos.size(1)),
            "mrr_negatives": mrr_negatives, "val_ratio": val_ratio, "test_ratio": test_ratio,
            "holdout": mode, **windows}
    return RunSplit(train, val_pos, val_neg, test_pos, test_neg, per_edge, held)
