"""The "future" yardstick: time-aware baselines for the pairs customers start buying together, and their scores.

Pure numpy/scipy (no Neo4j, no torch): the caller hands in dated baskets as three parallel arrays
(basket id, product index in ``0..n-1``, day as an integer day number or ``np.datetime64``) and a cutoff.

**Targets** (:func:`new_pairs`): unordered product pairs that are both in the pre-cutoff co-purchase graph
(each bought together with something before the cutoff), were never bought together before the cutoff,
and are bought together in at least ``min_count`` (default 2) baskets from the cutoff on -- the relations a
recommender should have foreseen (as ``bench/filter.py`` defines them).

**Baselines** (:func:`baselines`): every product's ``k`` (10) best partners among the products it was
never bought with before the cutoff, by

* ``ra``: resource allocation on the whole pre-cutoff graph (sum over common neighbours z of 1/deg z);
* ``aa``: Adamic-Adar (sum of 1/log deg z);
* ``cn``: common neighbours;
* ``cocount``: item-to-item co-count over two hops, "bought with what X is bought with": sum over z of
  count(x, z) * count(z, y), count = baskets holding both;
* ``recent_ra``: resource allocation on the graph of the last ``recent_days`` (90) days before the cutoff
  (still only partners never bought with x at any time before the cutoff);
* ``recent_popularity``: x's candidates (below) ranked by how many baskets held the partner in the last
  ``popular_days`` (30) days, ties by resource allocation;
* ``heuristic_reranker``: x's candidates ranked by a logistic regression over the heuristics above plus
  degrees and recent popularity and trend of both ends, fitted on an earlier cutoff (``cutoff -
  recent_days``): features from the baskets before it, label 1 for the candidate pairs that became targets
  between it and the cutoff (new, bought together at least ``min_count`` times).

Only partners with a positive score are listed (a product may have fewer than ``k``); ties are broken by the
lower product index, so every list is deterministic.

**Candidates**: per product, its ``n_two_hop`` (100) best two-hop partners by resource allocation plus its
``n_recent`` (50) best by recent resource allocation (never bought together before the cutoff).
``candidate_coverage`` is the share of the target pairs (either direction) inside that set: the bound on
what any re-ranking of them can reach.

**Metrics** (:func:`evaluate`), for a ranked top-``k`` list per product (an ``(n, k)`` array of partner
indices, -1 for an empty slot), over the *source products with at least one target* (a product with no
list counts as zeros):

* ``precision@10``: hits in x's list / 10 (the fixed denominator ``k``, even for a shorter list);
* ``recall@10``: hits in x's list / number of x's targets;
* ``ndcg@10``: DCG / ideal DCG with binary gains, DCG = sum over ranks r = 1..k of hit(r) / log2(r + 1),
  ideal DCG = sum over r = 1..min(targets of x, k) of 1 / log2(r + 1);

each the mean over those sources; plus the micro pair figures of ``bench/filter.py``'s ``score``
(:func:`pair_score`): the unordered pairs of all lists, ``pair_precision`` = share of them that are targets,
``pair_recall`` = share of the targets among them.

Memory: co-count and adjacency are sparse; every two-hop score is computed for a block of source rows at a
time (dense ``rows x n``), keeping only each row's top lists and candidate features.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

K = 10
RECENT_DAYS = 90
POPULAR_DAYS = 30
N_TWO_HOP = 100
N_RECENT = 50
MIN_COUNT = 2
MIN_RISING_BASKETS = 5  # a product rises only from at least this many baskets in the last window

HEURISTICS = ("ra", "aa", "cn", "cocount", "recent_ra")
RANKED = ("recent_popularity", "heuristic_reranker")
FEATURES = ("ra", "aa", "cn", "cocount", "recent_ra", "recent_cn", "deg_src", "deg_dst", "pop_src", "pop_dst",
            "trend_src", "trend_dst")
LOGGED = frozenset(FEATURES) - {"trend_src", "trend_dst"}  # counts and sums: log1p before the regression


def to_days(day) -> np.ndarray | int:
    """Integer day numbers from ints or ``np.datetime64`` (days since 1970-01-01); a scalar stays a scalar."""
    a = np.asarray(day)
    if np.issubdtype(a.dtype, np.datetime64):
        a = a.astype("datetime64[D]").astype(np.int64)
    else:
        a = a.astype(np.int64)
    return int(a) if a.ndim == 0 else a


def cocounts(basket: np.ndarray, product: np.ndarray, n: int) -> sp.csr_matrix:
    """``n x n`` symmetric counts of baskets holding both products (a product repeated in a basket counts
    once; the diagonal is zero)."""
    basket = np.asarray(basket)
    product = np.asarray(product, dtype=np.int64)
    if basket.size == 0:
        return sp.csr_matrix((n, n), dtype=np.float64)
    _, b = np.unique(basket, return_inverse=True)
    inc = sp.csr_matrix((np.ones(b.size), (b.ravel(), product)), shape=(int(b.max()) + 1, n))
    inc.data[:] = 1.0  # duplicates summed by the constructor: one per (basket, product)
    inc.sum_duplicates()
    inc.data[:] = 1.0
    c = (inc.T @ inc).tocsr()
    c.setdiag(0)
    c.eliminate_zeros()
    return c


def popularity(basket: np.ndarray, product: np.ndarray, n: int) -> np.ndarray:
    """Baskets holding each product."""
    if len(basket) == 0:
        return np.zeros(n)
    _, b = np.unique(np.asarray(basket), return_inverse=True)
    keys = np.unique(b.ravel().astype(np.int64) * n + np.asarray(product, dtype=np.int64))
    return np.bincount(keys % n, minlength=n).astype(np.float64)


def pair_keys(c: sp.spmatrix, min_count: float = 1) -> np.ndarray:
    """``lo * n + hi`` keys of the unordered pairs with ``c >= min_count`` (sorted)."""
    c = sp.triu(c, k=1).tocoo()
    ok = c.data >= min_count
    return np.sort(c.row[ok].astype(np.int64) * c.shape[0] + c.col[ok])


def new_pairs(past: sp.spmatrix, future: sp.spmatrix, min_count: int = MIN_COUNT) -> np.ndarray:
    """Target keys: pairs with ``future >= min_count`` that ``past`` never holds, both ends in ``past``'s graph."""
    n = past.shape[0]
    keys = pair_keys(future, min_count)
    in_graph = np.asarray((past > 0).sum(axis=1)).ravel() > 0
    keep = ~np.isin(keys, pair_keys(past)) & in_graph[keys // n] & in_graph[keys % n]
    return keys[keep]


def future_targets(basket, product, day, n: int, cutoff, min_count: int = MIN_COUNT) -> np.ndarray:
    """:func:`new_pairs` of the baskets before ``cutoff`` and those from it on (one dated basket table)."""
    day, cutoff = to_days(day), to_days(cutoff)
    basket, product = np.asarray(basket), np.asarray(product)
    before = day < cutoff
    return new_pairs(cocounts(basket[before], product[before], n), cocounts(basket[~before], product[~before], n),
                     min_count)


def _top_rows(score: np.ndarray, k: int) -> np.ndarray:
    """Per row the column indices of the ``k`` largest positive scores (ties: lower index first), -1 padded."""
    order = np.argsort(-score, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(score, order, axis=1)
    order = order.astype(np.int64)
    order[~(top > 0)] = -1
    if order.shape[1] < k:
        order = np.pad(order, ((0, 0), (0, k - order.shape[1])), constant_values=-1)
    return order


def _mul(left: np.ndarray, rhs) -> np.ndarray:
    """A dense block of source rows times the right-hand matrix (dense, or sparse for a large catalogue)."""
    return left @ rhs if isinstance(rhs, np.ndarray) else np.asarray((rhs.T @ left.T).T)


@dataclass
class Snapshot:
    """What the baskets before one cutoff say: every baseline's top lists and the candidates with features."""

    top: dict[str, np.ndarray]                      # name -> (n, k) partner indices, -1 padded
    cand_src: np.ndarray                            # candidate pairs (directed: src's candidate dst)
    cand_dst: np.ndarray
    features: np.ndarray                            # (candidates, len(FEATURES)) float64
    in_graph: np.ndarray                            # bool (n,): bought with something before the cutoff
    seen: sp.csr_matrix = field(repr=False)         # co-counts before the cutoff


def snapshot(basket, product, day, n: int, cutoff, *, k: int = K, recent_days: int = RECENT_DAYS,
             popular_days: int = POPULAR_DAYS, n_two_hop: int = N_TWO_HOP, n_recent: int = N_RECENT,
             n_popular: int = 0, n_rising: int = 0, extra: np.ndarray | None = None,
             block_cells: int = 1 << 21, dense_max: int = 6000) -> Snapshot:
    """Baselines (all but the re-ranker) and candidates from the baskets before ``cutoff``.

    Beside the two-hop and recent two-hop candidates, every product's pool may hold the ``n_popular``
    products bought in most baskets of the last ``popular_days``, the ``n_rising`` of steepest trend (among
    products in at least ``MIN_RISING_BASKETS`` recent baskets), and its row of ``extra`` (``(n, m)``
    partner indices, -1 padded: for example a model's nearest products); never a partner it was bought with
    before the cutoff, nor itself."""
    g = _Before.of(basket, product, day, n, to_days(cutoff), recent_days, popular_days, dense_max)
    everyone = np.concatenate([_best(g.pop, n_popular),
                               _best(np.where(g.pop >= MIN_RISING_BASKETS, g.trend, -np.inf), n_rising)])
    everyone = everyone[g.in_graph[everyone]]
    top = {name: np.full((n, k), -1, dtype=np.int64) for name in HEURISTICS}
    srcs, dsts, feats = [], [], []
    step = max(1, block_cells // max(n, 1))
    for start in range(0, n, step):
        rows = np.arange(start, min(start + step, n))
        score, recent_cn, blocked = g.scores(rows)
        for name in HEURISTICS:
            top[name][rows] = _top_rows(score[name], k)
        pool = g.pool(rows, score, blocked, ((n_two_hop, "ra"), (n_recent, "recent_ra")), everyone, extra)
        r, d = np.nonzero(pool)  # row-major: each source's candidates by ascending partner index
        src = rows[r]
        srcs.append(src)
        dsts.append(d.astype(np.int64))
        feats.append(np.column_stack([score["ra"][r, d], score["aa"][r, d], score["cn"][r, d],
                                      score["cocount"][r, d], score["recent_ra"][r, d], recent_cn[r, d],
                                      g.deg[src], g.deg[d], g.pop[src], g.pop[d], g.trend[src], g.trend[d]]))
    features = np.concatenate(feats) if feats else np.zeros((0, len(FEATURES)))
    src = np.concatenate(srcs) if srcs else np.zeros(0, np.int64)
    dst = np.concatenate(dsts) if dsts else np.zeros(0, np.int64)
    # recent popularity: the candidates by the partner's baskets in the last window, ties by RA
    top["recent_popularity"] = rank_candidates(src, dst, features[:, FEATURES.index("pop_dst")],
                                               features[:, FEATURES.index("ra")], n, k)
    return Snapshot(top, src, dst, features, g.in_graph, g.c)


@dataclass
class _Before:
    """The baskets before a cutoff as :func:`snapshot` scores them: co-counts (all, and of the recent
    window), who was bought with whom, degrees, the heuristics' per-neighbour weights, popularity and trend."""

    c: sp.csr_matrix       # co-counts before the cutoff
    a: sp.csr_matrix       # bought together before it (0/1)
    ar: sp.csr_matrix      # bought together in the recent window (0/1)
    deg: np.ndarray
    pop: np.ndarray        # baskets in the last popular_days
    trend: np.ndarray      # log of pop against the mean of the two windows before
    weights: dict          # "ra", "aa", "recent_ra": per-neighbour weights
    rhs: tuple             # a, c, ar as right-hand sides (dense up to dense_max products)

    @property
    def in_graph(self) -> np.ndarray:
        return self.deg > 0

    @classmethod
    def of(cls, basket, product, day, n: int, cutoff: int, recent_days: int, popular_days: int,
           dense_max: int) -> "_Before":
        day = to_days(day)
        basket, product = np.asarray(basket), np.asarray(product, dtype=np.int64)
        before = day < cutoff
        recent = before & (day >= cutoff - recent_days)
        c = cocounts(basket[before], product[before], n)
        a = (c > 0).astype(np.float64).tocsr()
        deg = np.asarray(a.sum(axis=1)).ravel()
        ar = (cocounts(basket[recent], product[recent], n) > 0).astype(np.float64).tocsr()
        deg_r = np.asarray(ar.sum(axis=1)).ravel()
        last = before & (day >= cutoff - popular_days)
        pop = popularity(basket[last], product[last], n)
        earlier = before & (day >= cutoff - 3 * popular_days) & (day < cutoff - popular_days)
        pop_prev = popularity(basket[earlier], product[earlier], n)
        trend = np.log((pop + 1.0) / (pop_prev / 2.0 + 1.0))  # last window against the mean of the two before
        weights = {"ra": np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0),
                   "aa": np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2)), 0.0),
                   "recent_ra": np.where(deg_r > 0, 1.0 / np.maximum(deg_r, 1), 0.0)}
        dense = n <= dense_max  # BLAS on a dense right-hand side: ~100x a sparse product on dense co-purchase graphs
        return cls(c, a, ar, deg, pop, trend, weights, tuple((m.toarray() if dense else m) for m in (a, c, ar)))

    def scores(self, rows: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray]:
        """The heuristics of the ``rows``' products against every product (0 where blocked), recent common
        neighbours, and the blocked cells (a partner bought with before, or itself)."""
        left_a, left_c, left_r = (m[rows].toarray() for m in (self.a, self.c, self.ar))
        rhs_a, rhs_c, rhs_r = self.rhs
        blocked = left_a > 0
        blocked[np.arange(rows.size), rows] = True
        w = self.weights
        score = {"ra": _mul(left_a * w["ra"], rhs_a), "aa": _mul(left_a * w["aa"], rhs_a), "cn": _mul(left_a, rhs_a),
                 "cocount": _mul(left_c, rhs_c), "recent_ra": _mul(left_r * w["recent_ra"], rhs_r)}
        for s in score.values():
            s[blocked] = 0
        return score, _mul(left_r, rhs_r), blocked

    def pool(self, rows: np.ndarray, score: dict, blocked: np.ndarray, best: tuple, everyone: np.ndarray,
             extra: np.ndarray | None) -> np.ndarray:
        """``(rows, n)`` bool: each row's candidates, the ``many`` best by each heuristic of ``best``
        (``(many, name)`` pairs), ``everyone``, its row of ``extra``; never blocked, none for a product
        bought with nothing."""
        n = self.deg.size
        pool = np.zeros(score["ra"].shape, dtype=bool)
        for many, name in best:
            t = _top_rows(score[name], min(many, n))
            r = np.repeat(np.arange(rows.size), t.shape[1])
            ok = t.ravel() >= 0
            pool[r[ok], t.ravel()[ok]] = True
        pool[:, everyone] = True
        if extra is not None:
            t = extra[rows]
            r = np.repeat(np.arange(rows.size), t.shape[1])
            ok = (t.ravel() >= 0) & self.in_graph[np.maximum(t.ravel(), 0)]
            pool[r[ok], t.ravel()[ok]] = True
        pool[blocked] = False
        pool[~self.in_graph[rows]] = False
        return pool


def _best(score: np.ndarray, many: int) -> np.ndarray:
    """Indices of the ``many`` largest finite positive-or-any scores (ties: lower index), best first."""
    if many <= 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(-score, kind="stable")[:many]
    return order[np.isfinite(score[order])].astype(np.int64)


def rank_candidates(src: np.ndarray, dst: np.ndarray, primary: np.ndarray, secondary: np.ndarray, n: int,
                    k: int = K) -> np.ndarray:
    """``(n, k)`` top lists of candidate pairs ordered per source by ``primary``, then ``secondary`` (both
    descending), then the lower partner index; -1 padded."""
    out = np.full((n, k), -1, dtype=np.int64)
    if src.size == 0:
        return out
    order = np.lexsort((dst, -secondary, -primary, src))
    s, d = src[order], dst[order]
    first = np.searchsorted(s, s, side="left")
    rank = np.arange(s.size) - first
    ok = rank < k
    out[s[ok], rank[ok]] = d[ok]
    return out


def _design(features: np.ndarray, names: tuple[str, ...] = FEATURES) -> np.ndarray:
    """The re-ranker's inputs: log1p of the counts and scores; trends and scores that are logits already
    (``gnn``) as they are."""
    x = np.array(features, dtype=np.float64, copy=True)
    logged = [i for i, name in enumerate(names) if name in LOGGED]
    x[:, logged] = np.log1p(np.maximum(x[:, logged], 0.0))
    return x


@dataclass
class Reranker:
    """A logistic regression over :data:`FEATURES` (standardised :func:`_design`), fitted by Newton steps."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # bias first
    positives: int = 0
    examples: int = 0
    names: tuple[str, ...] = FEATURES

    def score(self, features: np.ndarray) -> np.ndarray:
        """The logit (log-odds) of each candidate's label."""
        x = (_design(features, self.names) - self.mean) / self.scale
        return self.weights[0] + x @ self.weights[1:]

    def describe(self) -> dict:
        """The standardised weights by feature name (bias first), for a run's record."""
        return {"bias": round(float(self.weights[0]), 4),
                **{name: round(float(w), 4) for name, w in zip(self.names, self.weights[1:])}}


def fit_reranker(features: np.ndarray, labels: np.ndarray, l2: float = 1.0, iterations: int = 25,
                 names: tuple[str, ...] = FEATURES) -> Reranker:
    """L2-regularised logistic regression (the bias unpenalised) by Newton's method; deterministic.
    Without both classes every weight is zero (the ranking then falls to its tie-break, resource allocation).
    ``names``: the columns of ``features`` (:data:`FEATURES` and, for a blend, ``gnn``)."""
    x = _design(features, names)
    y = np.asarray(labels, dtype=np.float64)
    mean = x.mean(axis=0) if x.size else np.zeros(len(names))
    scale = x.std(axis=0) if x.size else np.ones(len(names))
    scale = np.where(scale > 0, scale, 1.0)
    w = np.zeros(len(names) + 1)
    pos = int(y.sum())
    if 0 < pos < y.size:
        z = np.column_stack([np.ones(y.size), (x - mean) / scale])
        reg = np.full(w.size, l2)
        reg[0] = 0.0
        for _ in range(iterations):
            p = 1.0 / (1.0 + np.exp(-(z @ w)))
            grad = z.T @ (p - y) + reg * w
            hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-9)
            step = np.linalg.solve(hess, grad)
            w -= step
            if np.max(np.abs(step)) < 1e-8:
                break
    return Reranker(mean, scale, w, pos, int(y.size), tuple(names))


def pair_key(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    return np.minimum(src, dst) * n + np.maximum(src, dst)


@dataclass
class Baselines:
    top: dict[str, np.ndarray]          # every baseline's (n, k) lists, the re-ranker's included
    snapshot: Snapshot                  # at the cutoff
    reranker: Reranker
    train_cutoff: int                   # the re-ranker's earlier cutoff (day number)


def baselines(basket, product, day, n: int, cutoff, *, k: int = K, recent_days: int = RECENT_DAYS,
              popular_days: int = POPULAR_DAYS, n_two_hop: int = N_TWO_HOP, n_recent: int = N_RECENT,
              min_count: int = MIN_COUNT, n_popular: int = 0, n_rising: int = 0, block_cells: int = 1 << 21,
              dense_max: int = 6000) -> Baselines:
    """Every baseline's top lists from the dated baskets before ``cutoff`` (later baskets are ignored), the
    re-ranker fitted at ``cutoff - recent_days`` on the baskets between that day and the cutoff."""
    day, cutoff = to_days(day), to_days(cutoff)
    basket, product = np.asarray(basket), np.asarray(product, dtype=np.int64)
    opts = dict(k=k, recent_days=recent_days, popular_days=popular_days, n_two_hop=n_two_hop, n_recent=n_recent,
                n_popular=n_popular, n_rising=n_rising, block_cells=block_cells, dense_max=dense_max)
    early = cutoff - recent_days
    past = snapshot(basket, product, day, n, early, **opts)
    window = (day >= early) & (day < cutoff)
    labels_at = new_pairs(past.seen, cocounts(basket[window], product[window], n), min_count)
    labels = np.isin(pair_key(past.cand_src, past.cand_dst, n), labels_at)
    model = fit_reranker(past.features, labels)
    now = snapshot(basket, product, day, n, cutoff, **opts)
    top = dict(now.top)
    top["heuristic_reranker"] = rank_candidates(now.cand_src, now.cand_dst, model.score(now.features),
                                                now.features[:, FEATURES.index("ra")], n, k)
    return Baselines(top, now, model, early)


def candidate_coverage(src: np.ndarray, dst: np.ndarray, targets: np.ndarray, n: int) -> float:
    """Share of the target pairs (unordered keys) that some product's candidates hold, in either direction."""
    if targets.size == 0:
        return 0.0
    return float(np.isin(targets, pair_key(src, dst, n)).mean())


def lists_from_ranked(src: np.ndarray, dst: np.ndarray, rank: np.ndarray, n: int, k: int = K) -> np.ndarray:
    """``(n, k)`` top lists from ranked pairs (for example ``[:PREDICTED]`` with its rank): per source the
    ``k`` of lowest rank (ties: lower partner index); a repeated partner counts once."""
    src, dst, rank = (np.asarray(v) for v in (src, dst, rank))
    if src.size:
        order = np.lexsort((dst, rank, src))
        src, dst = src[order].astype(np.int64), dst[order].astype(np.int64)
        keep = np.ones(src.size, dtype=bool)
        keep[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        src, dst = src[keep], dst[keep]
    return rank_candidates(src, dst, -np.arange(src.size, dtype=np.float64), np.zeros(src.size), n, k)


def pair_score(top: np.ndarray, targets: np.ndarray) -> dict:
    """``bench/filter.py``'s micro figures: the unordered pairs of all lists, recall of the targets and the
    share of those pairs that are targets."""
    n = top.shape[0]
    src = np.repeat(np.arange(n), top.shape[1])
    dst = top.ravel()
    ok = dst >= 0
    pred = np.unique(pair_key(src[ok], dst[ok], n))
    hit = np.isin(pred, targets)
    return {"predicted_pairs": int(pred.size), "hits": int(hit.sum()),
            "recall": float(hit.sum() / max(targets.size, 1)), "precision": float(hit.mean()) if pred.size else 0.0}


def evaluate(top: np.ndarray, targets: np.ndarray, k: int = K) -> dict:
    """precision@k, recall@k and NDCG@k averaged over the source products with at least one target (see the
    module docstring), with the micro pair figures."""
    n = top.shape[0]
    top = top[:, :k]
    lo, hi = targets // n, targets % n
    t_src = np.concatenate([lo, hi])
    t_key = np.concatenate([lo * n + hi, hi * n + lo])  # directed: source * n + partner
    per_src = np.bincount(t_src, minlength=n)
    sources = np.flatnonzero(per_src)
    rows = top[sources]
    directed = np.where(rows >= 0, sources[:, None] * n + rows, -1)
    hit = np.isin(directed, t_key) & (rows >= 0)
    hits = hit.sum(axis=1)
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hit * disc[: rows.shape[1]]).sum(axis=1)
    ideal = np.cumsum(disc)[np.minimum(per_src[sources], k) - 1]
    mean = (lambda v: float(v.mean())) if sources.size else (lambda v: 0.0)
    out = {f"precision@{k}": mean(hits / k), f"recall@{k}": mean(hits / np.maximum(per_src[sources], 1)),
           f"ndcg@{k}": mean(dcg / ideal), "sources": int(sources.size)}
    p = pair_score(top, targets)
    out.update({"pair_precision": p["precision"], "pair_recall": p["recall"], "predicted_pairs": p["predicted_pairs"],
                "hits": p["hits"]})
    return out
