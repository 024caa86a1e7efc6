"""The ranking a run writes where orders carry dates: the GNN's score blended with the time heuristics.

On real orders the pairs customers start buying together are foreseen best by what knows time: how often
a partner was bought lately, resource allocation over the last months (``bench/future.py``; issue 26). A
graph neural network trained on the past alone ranks below them. So a run held out by time
(:func:`relmine.learn.pull.split_relations`) whose graph holds dated sale orders writes, as its
``[:PREDICTED]``, a *blend*: a logistic regression over the GNN's logit and the heuristics of
:mod:`relmine.learn.future` (resource allocation, Adamic-Adar, common neighbours, two-hop co-count, recent
resource allocation and common neighbours, degrees, recent popularity and trend of both ends).

A blend is fitted on a window of days the model never learned from (it learned from the relations first
seen before the validation window): the pairs new in the :data:`FIT_DAYS` before the day it ranks for are
the labels, the model's embeddings of the relations first seen before them and the heuristics of the
baskets before them the inputs (a pair bought together at least :data:`relmine.learn.future.MIN_COUNT`
times in the window is a label, or once where that leaves too few).

1. **test** -- a blend fitted on the days before the test window ranks on the graph and baskets before it,
   scored against the pairs new in the test window, beside every heuristic on its own candidates and the
   GNN alone: the run's ``metric_rank_*`` figures (the procedure that writes, on a window it never saw);
2. **write** -- a blend fitted the same way on the latest days (the newest evidence: recency is what
   foresees new pairs) ranks on the whole graph and every basket: each product's ``top_k`` candidates with
   the blend's probability as ``score`` and the decoder's type head as ``type``. The model's logit goes into
   it only where a blend fitted on the days before the latest ranked the latest days' new pairs
   significantly better than the heuristic re-ranker (:func:`gnn_check`); otherwise the written blend is
   that re-ranker, over the same candidates, and the run says so (``metrics.blend.written.gnn_check``).

Candidates, per product, never a partner it was already bought or related with: the two-hop partners of
highest resource allocation (:data:`relmine.learn.future.N_TWO_HOP`) and of highest recent resource
allocation (``N_RECENT``), the :data:`N_POPULAR` products bought most lately and the :data:`N_RISING` of
steepest trend, and the :data:`NEAREST` nearest products by the model's embedding.

Beyond :data:`PRODUCTS_MOST` products the heuristics' dense two-hop blocks cost more than the write-back
they replace: such a run (and any run without dated orders, or held out at random) writes the decoder's
own ranking (:func:`relmine.learn.writeback.write_partition`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from relmine.learn import future as F

PRODUCTS_MOST = 50_000
N_POPULAR = 50
N_RISING = 20
NEAREST = 50
FIT_SOURCES_MOST = 1_500  # products whose candidates the blend is fitted on (a seeded sample)
TEST_SOURCES_MOST = 400  # products whose lists are scored on the test window (as relmine.learn.ranking)
VAL_SOURCES_MOST = 600  # products whose lists the early-stopping criterion scores, every epoch
VAL_LABELS_LEAST = 20  # fewer pairs new in the validation window: the run early-stops on Hits@50 instead
# an epoch's gain on the validation window counts (for early stopping and the weights kept) only where it is
# this many standard errors of the products' paired differences in precision@k above the best epoch's
VAL_GAIN_Z = 1.64
FIT_POSITIVES_LEAST = 200  # fewer labels at MIN_COUNT than this: a pair bought together once counts
BLEND_FEATURES = F.FEATURES + ("gnn",)
METHODS = ("model", "gnn", "ra", "aa", "cn", "cocount", "recent_ra", "recent_popularity", "heuristic_reranker")
BASKET_PAGE = 5_000
FIT_DAYS = F.RECENT_DAYS  # the blend is fitted on the pairs new in the 90 days before the day it ranks for
# whether the written blend takes the model's logit is checked on the pairs new in the latest 30 days, ranked by
# a blend fitted on the FIT_DAYS before them (gnn_check)
CHECK_DAYS = F.POPULAR_DAYS


@dataclass
class Baskets:
    """The dated sale baskets, as parallel arrays over their lines (product index into the run's skus)."""

    basket: np.ndarray   # int64 basket number
    product: np.ndarray  # int64 product index
    day: np.ndarray      # int64 day number (days since 1970-01-01)
    baskets: int
    undated: int         # baskets without a time (given the earliest day: in the graph, in no recent window)
    outside: int = 0     # lines whose product is not in the run's learning graph (left out)

    @property
    def timed(self) -> bool:
        return self.baskets > 0 and self.undated < self.baskets


def read_baskets(gw, index: dict[str, int] | None = None, *, page: int = BASKET_PAGE,
                 progress=None) -> tuple[list[str], Baskets]:
    """The sale baskets in Neo4j (``cypher/learn/dated_baskets_page.cypher``, paged by order id).

    ``index``: sku -> product index (lines of other products are left out); without it every sku of the
    baskets is indexed in sorted order. Returns ``(skus, baskets)``. ``progress(baskets_read)`` after each
    page."""
    after, skus_of, times = "", [], []
    while True:
        rows = gw.read("learn/dated_baskets_page", {"after": after, "limit": page}, raw=True)
        if not rows:
            break
        for r in rows:
            skus_of.append(r["skus"])
            times.append(r["time"])
        after = rows[-1]["id"]
        if progress is not None:
            progress(len(skus_of))
    if index is None:
        skus = sorted({s for items in skus_of for s in items})
        index = {s: i for i, s in enumerate(skus)}
    else:
        skus = sorted(index, key=index.__getitem__)
    sizes = np.fromiter((len(items) for items in skus_of), dtype=np.int64, count=len(skus_of))
    basket = np.repeat(np.arange(len(skus_of), dtype=np.int64), sizes)
    product = np.fromiter((index.get(s, -1) for items in skus_of for s in items), dtype=np.int64,
                          count=int(sizes.sum()))
    day = np.array([np.datetime64(t[:10]) if t else np.datetime64("NaT") for t in times], dtype="datetime64[D]")
    undated = int(np.isnat(day).sum())
    if undated:
        day[np.isnat(day)] = day[~np.isnat(day)].min() if undated < day.size else np.datetime64("1970-01-01")
    day = np.repeat(day.astype(np.int64), sizes)
    inside = product >= 0
    return skus, Baskets(basket[inside], product[inside], day[inside], len(skus_of), undated,
                         int((~inside).sum()))


def usable(lg, split, baskets: Baskets | None = None) -> str | None:
    """Why the run cannot write the blend (``None``: it can; without ``baskets``, the reasons known before
    they are read)."""
    if split.held_out.get("holdout") != "time":
        return "the relations were held out at random"
    if lg.num_nodes > PRODUCTS_MOST:
        return f"{lg.num_nodes:,} products (the blend's heuristics run up to {PRODUCTS_MOST:,})"
    if baskets is not None and not baskets.timed:
        return "no dated sale orders in the graph"
    return None


@dataclass
class Blend:
    """What a run's blend learned and measured, and the lists it writes."""

    fitted: F.Reranker            # the written blend, over BLEND_FEATURES, fitted on the latest days
    fits: dict                    # "test" (fitted before the test window) and "written": each Fit's info and
                                  # in-sample figures
    ranking: dict                 # the test window's figures, relmine.learn.ranking's shape plus methods
    src: torch.Tensor             # [W] the written lists: product, partner, probability, type (run type index)
    dst: torch.Tensor
    score: torch.Tensor
    type: torch.Tensor
    candidates: int               # candidate pairs ranked for the written lists
    seconds: float


def _day(iso: str, up: bool = False) -> int:
    """The day number of an ISO time (``up``: the first day that starts at or after it)."""
    day = int(np.datetime64(iso[:10], "D").astype(np.int64))
    return day + 1 if up and iso[11:19] not in ("", "00:00:00") else day


def _iso_day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _nearest(h: torch.Tensor, many: int = NEAREST) -> np.ndarray:
    """``(n, many)`` nearest products by the cosine of the centred embeddings, -1 padded."""
    from relmine.gnn.embedspace import center_normalise
    from relmine.learn.writeback import NeighbourIndex

    n = h.size(0)
    out = np.full((n, many), -1, dtype=np.int64)
    index = NeighbourIndex(center_normalise(h))
    for block in torch.arange(n).split(1024):
        src, dst = index.pairs(block, min(many, n - 1))
        src, dst = src.numpy(), dst.numpy()
        first = np.searchsorted(src, src, side="left")  # sources come in order, nearest first
        out[src, np.arange(src.size) - first] = dst
    return out


def _logits(model, h: torch.Tensor, adj, src: np.ndarray, dst: np.ndarray, with_types: bool = False):
    from relmine.gnn.train import score_pairs

    pairs = torch.from_numpy(np.stack([src, dst])).long()
    if pairs.size(1) == 0:
        return (np.zeros(0), np.zeros(0, dtype=np.int64)) if with_types else np.zeros(0)
    with torch.no_grad():
        out = score_pairs(model, None, pairs, h=h, adj=adj, amp=False, with_types=with_types)
    if not with_types:
        return out.double().numpy()
    logits, type_logits = out
    types = type_logits.argmax(dim=1) if type_logits is not None else torch.zeros_like(logits, dtype=torch.long)
    return logits.double().numpy(), types.numpy()


def _encode(model, lg, local, mask: np.ndarray | None, budget: int):
    """Embeddings and adjacency of the learning graph's relations under ``mask`` (all: ``None``)."""
    from relmine.gnn.edges import Adjacency
    from relmine.gnn.train import embed

    g = lg.data(types=local) if mask is None else lg.data(lg.pairs[:, mask], local[mask], lg.weights[mask])
    with torch.no_grad():
        h = embed(model, g, "cpu", amp=False, budget=budget)
    return h, Adjacency(g.edge_index, lg.num_nodes)


def _sources(keys: np.ndarray, n: int, most: int, rng) -> np.ndarray:
    """A seeded sample (sorted) of at most ``most`` products at either end of the pair keys."""
    ends = np.unique(np.concatenate([keys // n, keys % n]))
    return np.sort(rng.choice(ends, most, replace=False)) if ends.size > most else ends


def _lists(src: np.ndarray, dst: np.ndarray, score: np.ndarray, tie: np.ndarray, n: int, k: int) -> dict:
    top = F.rank_candidates(src, dst, score, tie, n, k)
    return {int(s): [int(d) for d in top[s] if d >= 0] for s in np.unique(src)}


def _rows(top: np.ndarray, sources: np.ndarray) -> dict[int, list[int]]:
    """The sources' lists of an ``(n, k)`` top array (-1 padded), as :func:`relmine.learn.ranking.score_lists`
    takes them."""
    return {s: [int(x) for x in top[s] if x >= 0] for s in sources.tolist()}


def _targets_of(keys: np.ndarray, n: int, sources: np.ndarray) -> dict[int, set[int]]:
    wanted = set(sources.tolist())
    out: dict[int, set[int]] = {}
    for a, b in zip((keys // n).tolist(), (keys % n).tolist()):
        if a in wanted:
            out.setdefault(a, set()).add(b)
        if b in wanted:
            out.setdefault(b, set()).add(a)
    return out


def best_per_source(src: np.ndarray, dst: np.ndarray, score: np.ndarray, tie: np.ndarray, k: int) -> np.ndarray:
    """Indices of each source's ``k`` best candidates (by ``score``, then ``tie``, then the lower partner),
    grouped by source in ascending order, best first: the order of
    :func:`relmine.learn.future.rank_candidates`."""
    if src.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((dst, -tie, -score, src))
    s = src[order]
    rank = np.arange(s.size) - np.searchsorted(s, s, side="left")
    return order[rank < k]


@dataclass
class _Window:
    """The pairs new in ``[start, end)`` and a seeded sample of their products' candidates at ``start``: what a
    blend is fitted (or an epoch scored) on."""

    at: F.Snapshot        # the heuristics and candidates of the baskets before ``start``
    label_min: int        # a label is a pair bought together this often in the window
    new: np.ndarray       # the new pairs' keys
    sources: np.ndarray   # the sampled products (ends of new pairs)
    src: np.ndarray       # their candidates: product, partner, features, label
    dst: np.ndarray
    features: np.ndarray
    labels: np.ndarray
    wanted: dict          # product -> its new partners


def _window(baskets: Baskets, n: int, start: int, end: int, most: int, rng, extra=None) -> _Window:
    """The labels of the window: pairs new in it bought together :data:`relmine.learn.future.MIN_COUNT` times,
    or once where that leaves fewer than :data:`FIT_POSITIVES_LEAST`."""
    b, p, d = baskets.basket, baskets.product, baskets.day
    at = F.snapshot(b, p, d, n, start, extra=extra, n_popular=N_POPULAR, n_rising=N_RISING)
    inside = (d >= start) & (d < end)
    later = F.cocounts(b[inside], p[inside], n)
    label_min = F.MIN_COUNT
    new = F.new_pairs(at.seen, later, label_min)
    if new.size < FIT_POSITIVES_LEAST:
        label_min = 1
        new = F.new_pairs(at.seen, later, label_min)
    sources = _sources(new, n, most, rng)
    rows = np.isin(at.cand_src, sources)
    src, dst = at.cand_src[rows], at.cand_dst[rows]
    return _Window(at, label_min, new, sources, src, dst, at.features[rows], np.isin(F.pair_key(src, dst, n), new),
                   _targets_of(new, n, sources))


@dataclass
class Fit:
    """The blend and the heuristic re-ranker fitted on one window, with what they saw and scored there."""

    fitted: F.Reranker
    heuristic: F.Reranker
    info: dict      # the window's days, labels, candidates and the weights
    figures: dict   # in-sample: the blend, the heuristic re-ranker and recent popularity on the window


class _Fitter:
    """What :func:`blend_run`'s stages share: the model, the graph, the baskets and the first day the model
    never learned from (``unseen``: relations first seen before the validation window are what it learned)."""

    def __init__(self, model, lg, local, baskets: Baskets, unseen: int, rng, budget: int, k: int):
        self.model, self.lg, self.local, self.baskets = model, lg, local, baskets
        self.n, self.unseen, self.rng, self.budget, self.k = lg.num_nodes, unseen, rng, budget, k

    def encode(self, day: int):
        """The model's embeddings and adjacency of the relations first seen before ``day``."""
        return _encode(self.model, self.lg, self.local, _first_seen_before(self.lg, day), self.budget)

    def window(self, end: int, days: int = FIT_DAYS) -> tuple[int, _Window, np.ndarray]:
        """The pairs new in the ``days`` before ``end`` (from ``unseen`` at the earliest) and their
        sampled products' candidates, with the heuristics of the baskets before them and the model's logit
        over the relations first seen before them (the blend's inputs, ``gnn`` last)."""
        start = min(max(self.unseen, end - days), end - 1)  # at least a day
        h, adj = self.encode(start)
        w = _window(self.baskets, self.n, start, end, FIT_SOURCES_MOST, self.rng, extra=_nearest(h))
        return start, w, np.column_stack([w.features, _logits(self.model, h, adj, w.src, w.dst)])

    def fit(self, end: int, gnn: bool = True) -> Fit:
        """Fitted on the labels of :meth:`window` before ``end``; without ``gnn``, the written blend is the
        heuristic re-ranker (the model's logit weighs nothing)."""
        from relmine.learn.ranking import score_lists

        start, w, x = self.window(end)
        ff, labels, wanted, sources, n, k = w.features, w.labels, w.wanted, w.sources, self.n, self.k
        ra = ff[:, F.FEATURES.index("ra")]
        heuristic = F.fit_reranker(ff, labels)
        fitted = F.fit_reranker(x, labels, names=BLEND_FEATURES) if gnn else _with_gnn_unweighted(heuristic)
        figures = {"model": score_lists(_lists(w.src, w.dst, fitted.score(x), ra, n, k), wanted, k),
                   "heuristic_reranker": score_lists(_lists(w.src, w.dst, heuristic.score(ff), ra, n, k), wanted, k),
                   "recent_popularity": score_lists(_rows(w.at.top["recent_popularity"], sources), wanted, k)}
        info = {"from": _iso_day(start), "to": _iso_day(end), "label_min_count": w.label_min,
                "labels": int(labels.sum()), "candidates": int(labels.size), "sources": int(sources.size),
                "weights": fitted.describe(), "heuristic_weights": heuristic.describe()}
        return Fit(fitted, heuristic, info, figures)

    def test_window(self, before: Fit, test_day: int) -> dict:
        """The ranking figures on the test window: the blend fitted before it (``before``), the GNN alone, the
        heuristic re-ranker and every heuristic on its own candidates, on the graph and baskets before it,
        against the pairs new in it (``{}`` where there are none)."""
        from relmine.learn.ranking import score_lists

        b, p, d = self.baskets.basket, self.baskets.product, self.baskets.day
        n, k = self.n, self.k
        h_test, adj_test = self.encode(test_day)
        at_test = F.snapshot(b, p, d, n, test_day, extra=_nearest(h_test), n_popular=N_POPULAR, n_rising=N_RISING)
        after = d >= test_day
        targets = F.new_pairs(at_test.seen, F.cocounts(b[after], p[after], n), F.MIN_COUNT)
        if not targets.size:
            return {}
        sources = _sources(targets, n, TEST_SOURCES_MOST, self.rng)
        wanted = _targets_of(targets, n, sources)
        rows = np.isin(at_test.cand_src, sources)
        ts, td, tf = at_test.cand_src[rows], at_test.cand_dst[rows], at_test.features[rows]
        gnn_test = _logits(self.model, h_test, adj_test, ts, td)
        scores = {"model": before.fitted.score(np.column_stack([tf, gnn_test])), "gnn": gnn_test,
                  "heuristic_reranker": before.heuristic.score(tf)}
        # coverage over (sampled product, partner): a target pair counts for each of its sampled ends
        directed = {(s, x) for s, t in wanted.items() for x in t}
        ranking = {"sources": int(sources.size), "k": k,
                   "coverage": float(sum((s, x) in directed for s, x in zip(ts.tolist(), td.tolist()))
                                     / max(len(directed), 1))}
        ra = tf[:, F.FEATURES.index("ra")]
        for name, score in scores.items():
            ranking[name] = score_lists(_lists(ts, td, score, ra, n, k), wanted, k)
        for name in ("ra", "aa", "cn", "cocount", "recent_ra", "recent_popularity"):
            ranking[name] = score_lists(_rows(at_test.top[name], sources), wanted, k)
        return ranking


def blend_run(model, lg, local, split, baskets: Baskets, h_full: torch.Tensor, *, seed: int = 0,
              budget: int = 1_000_000, top_k: int = 10, k: int = F.K, progress=None) -> Blend:
    """Score the blend on the test window, fit it on the latest days, rank every product's candidates with it
    (see the module docstring). ``progress(line)`` is told each stage."""
    t0 = time.monotonic()
    say = progress or (lambda line: None)
    # the model learned from the relations first seen before the validation window: every day from the
    # first whole day of that window on is one it never learned from
    unseen, test_day, now_day = _day(split.held_out["val_from"], up=True), _day(split.held_out["test_from"]), \
        int(baskets.day.max()) + 1
    f = _Fitter(model.cpu().eval(), lg, local, baskets, unseen, np.random.default_rng(seed), budget, k)

    # 1. the test window: fitted on the days before it, the graph and baskets before it, the pairs new in it
    say("ranking: fitting the blend of the model and the heuristics before the test window")
    before = f.fit(test_day)
    say("ranking: scoring the blend and the heuristics on the test window")
    ranking = f.test_window(before, test_day)

    # 2. what is written: fitted on the latest days, ranked on the whole graph and every basket; the model's
    # logit goes in only where a blend fitted on the days before them ranked the latest days' new pairs
    # better than the heuristics alone (see gnn_check)
    say("ranking: does the model add to the heuristics on the latest orders?")
    last = f.window(now_day, CHECK_DAYS)
    check = gnn_check(last[1], last[2], f.fit(last[0]) if last[0] - CHECK_DAYS >= unseen else None, f.n, k)
    del last
    say(f"ranking: fitting the blend on the latest orders ({check['line']})")
    latest = f.fit(now_day, gnn=check["uses_gnn"])
    latest.info["gnn_check"] = {key: v for key, v in check.items() if key != "line"}
    if ranking and not check["uses_gnn"]:  # what is written is the heuristic re-ranker's procedure
        ranking["model_with_gnn"], ranking["model"] = ranking["model"], dict(ranking["heuristic_reranker"])
    say("ranking: the blend over every product's candidates")
    src, dst, score, types, candidates = rank_now(f.model, lg, baskets, h_full, latest.fitted, top_k)
    fits = {"test": {**before.info, "figures": before.figures}, "written": {**latest.info, "figures": latest.figures}}
    return Blend(latest.fitted, fits, ranking, src, dst, score, types, candidates, round(time.monotonic() - t0, 2))


def gnn_check(w: _Window, x: np.ndarray, earlier: Fit | None, n: int, k: int = F.K) -> dict:
    """Whether the written blend takes the model's logit: a blend and a heuristic re-ranker fitted on the days
    before the latest :data:`CHECK_DAYS` (``earlier``) rank the new pairs of those latest days (``w``, the
    blend's inputs ``x``), and the
    logit goes in only where the blend's precision@k gains by :data:`VAL_GAIN_Z` standard errors of the
    products' paired differences. The in-sample fit cannot say this: on Online Retail at 2011-09-01 the logit
    won on the run's own test window (June to August) and lost after the cutoff (P@10 0.566 with it, 0.614
    without, over the same candidates), since a model that learned the past ranks last season's pairs.
    ``earlier`` is ``None`` where the days before the latest are mostly days the model learned from (fewer
    than :data:`CHECK_DAYS` unseen): the logit then goes in as fitted (nothing unseen to check it on)."""
    if earlier is None:
        return {"uses_gnn": True, "checked": False,
                "line": "the model's logit kept unchecked: no unseen days before the latest to check it on"}
    ra = w.features[:, F.FEATURES.index("ra")]
    lists = {"blend": _lists(w.src, w.dst, earlier.fitted.score(x), ra, n, k),
             "heuristic_reranker": _lists(w.src, w.dst, earlier.heuristic.score(w.features), ra, n, k)}
    hits = {m: _hits(got, w.wanted, k) for m, got in lists.items()}
    z = _paired(hits["blend"] - hits["heuristic_reranker"])
    uses = bool(z > VAL_GAIN_Z)
    out = {"uses_gnn": uses, "checked": True, "z": round(z, 3) if np.isfinite(z) else float(np.sign(z) * 1e9),
           "fitted": earlier.info["from"] + " to " + earlier.info["to"],
           **{f"{m}_precision@{k}": round(float(v.mean()), 4) if v.size else 0.0 for m, v in hits.items()}}
    verdict = "takes" if uses else "leaves out"
    out["line"] = (f"the written blend {verdict} the model's logit: fitted on {out['fitted']}, on the latest days' "
                   f"new pairs the blend ranked P@{k} {out[f'blend_precision@{k}']:.4f} and the heuristics alone "
                   f"{out[f'heuristic_reranker_precision@{k}']:.4f} (z {z:+.2f}, needs {VAL_GAIN_Z:+.2f})")
    return out


def _hits(lists: dict, wanted: dict, k: int) -> np.ndarray:
    """precision@k per product of ``wanted`` (in its order)."""
    return np.array([len(set(lists.get(s, [])[:k]) & t) / k for s, t in wanted.items()])


def _with_gnn_unweighted(heuristic: F.Reranker) -> F.Reranker:
    """The heuristic re-ranker as a blend over :data:`BLEND_FEATURES` whose ``gnn`` weighs nothing (so that
    what is written, saved and refreshed keeps one shape)."""
    return F.Reranker(np.append(heuristic.mean, 0.0), np.append(heuristic.scale, 1.0),
                      np.append(heuristic.weights, 0.0), heuristic.positives, heuristic.examples,
                      names=BLEND_FEATURES)


class WindowCriterion:
    """Early stopping on what the run writes: after every epoch, a blend of the model's logit and the
    heuristics is fitted on the validation window (the pairs new in it, at most :data:`VAL_SOURCES_MOST`
    products' candidates, seeded) and its precision@k there is the score (a :class:`relmine.gnn.train.
    Criterion`). This is the fit :func:`blend_run` makes before the test window, on the same days, so the
    epoch kept is the one whose GNN adds most to the written ranking, not the one that best separates
    relations from uniform non-edges: on Online Retail those part ways after a few epochs (issue 26).

    The candidates are the heuristics' of the baskets before the window (the embedding's nearest
    neighbours, which move every epoch, are left out); the labels are fixed once, so each epoch costs one
    embedding of the training graph, the decoder over the candidates and a logistic regression.

    A gain counts only where it is significant (:meth:`improves`): on Online Retail the criterion rose by
    one or two hits in 6,000 slots now and then for 25 epochs (0.2260 at epoch 7, 0.2288 at epoch 25), and
    a bare "higher" kept such a run training on noise."""

    name = f"blend_p@{F.K}"

    def __init__(self, graph, n: int, baskets: Baskets, start: int, end: int, *, seed: int = 0,
                 budget: int = 1_000_000, k: int = F.K):
        w = _window(baskets, n, start, end, VAL_SOURCES_MOST, np.random.default_rng(seed))
        self.src, self.dst, self.features, self.labels, self.wanted = w.src, w.dst, w.features, w.labels, w.wanted
        self.graph, self.n, self.k, self.budget = graph, n, k, budget
        self.info = {"from": _iso_day(start), "to": _iso_day(end), "label_min_count": w.label_min,
                     "new_pairs": int(w.new.size), "labels": int(self.labels.sum()),
                     "candidates": int(self.labels.size), "sources": int(w.sources.size)}
        self._adj = None
        self.last: dict = {}  # the last epoch's figures: the blend's and the GNN's alone
        self.best: dict = {}  # the best epoch's (since this process started: a resumed run forgets earlier ones)
        # per product of ``wanted``: precision@k of the blend and of the GNN alone, the last epoch's and the best's
        self._last_hits: dict[str, np.ndarray] = {}
        self._best_hits: dict[str, np.ndarray] = {}

    def __call__(self, model, adj) -> float:
        from relmine.gnn.edges import Adjacency
        from relmine.gnn.train import embed
        from relmine.learn.ranking import score_lists

        if adj is None and model.needs_adjacency:  # not training on this graph: its own, built once
            if self._adj is None:
                device = next(model.parameters()).device
                self._adj = Adjacency(self.graph.edge_index.to(device), self.graph.num_nodes)
            adj = self._adj
        with torch.no_grad():
            h = embed(model, self.graph, amp=False, budget=self.budget)
        gnn = _logits(model, h, adj, self.src, self.dst)
        x = np.column_stack([self.features, gnn])
        fitted = F.fit_reranker(x, self.labels, names=BLEND_FEATURES)
        ra = self.features[:, F.FEATURES.index("ra")]
        lists = {"blend": _lists(self.src, self.dst, fitted.score(x), ra, self.n, self.k),
                 "gnn": _lists(self.src, self.dst, gnn, ra, self.n, self.k)}
        self.last = {name: score_lists(got, self.wanted, self.k) for name, got in lists.items()}
        self._last_hits = {name: _hits(got, self.wanted, self.k) for name, got in lists.items()}
        return self.last["blend"][f"precision@{self.k}"]

    def improves(self, score: float, best: float | None) -> bool:
        """Whether the last epoch beats the best so far: the blend's precision gains by :data:`VAL_GAIN_Z`
        standard errors of the products' paired differences, or, with the blend's not worse by as much, the
        GNN's own ranking gains so. The second way matters where the heuristics carry the blend whatever the
        model (the demo's generated orders: a blend with the untrained model scored as high as with any later
        epoch): the run then keeps the epoch whose model ranks best alone, since its embeddings and its logit
        serve more than the blend. Where this process has not scored the best epoch (a resumed run), any gain
        of the score counts. A gain makes the last epoch the best."""
        if best is not None:
            if not self._best_hits:
                gained = score > best
            else:
                blend, gnn = (_paired(self._last_hits[m] - self._best_hits[m]) for m in ("blend", "gnn"))
                gained = blend > VAL_GAIN_Z or (blend >= -VAL_GAIN_Z and gnn > VAL_GAIN_Z)
            if not gained:
                return False
        self.best, self._best_hits = self.last, self._last_hits
        return True

    def describe(self) -> str:
        """The last epoch's figures, for the run's log."""
        k = self.k
        return ", ".join(f"{name} P@{k} {v[f'precision@{k}']:.4f} R@{k} {v[f'recall@{k}']:.4f}"
                         for name, v in self.last.items())


def _paired(diff: np.ndarray) -> float:
    """The mean of paired differences in standard errors (0 where there is none; +-inf where all agree)."""
    if diff.size < 2 or not diff.any():
        return 0.0
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    return float(diff.mean() / se) if se > 0 else float(np.sign(diff.mean()) * np.inf)


def criterion(lg, split, baskets: Baskets, graph, *, seed: int = 0,
              budget: int = 1_000_000) -> tuple[WindowCriterion | None, str]:
    """The early-stopping criterion of a run that writes the blend (``None`` and why where the validation
    window has too few new pairs to rank against)."""
    start, end = _day(split.held_out["val_from"], up=True), _day(split.held_out["test_from"])
    if end <= start:
        return None, "the validation window holds no whole day"
    c = WindowCriterion(graph, lg.num_nodes, baskets, start, end, seed=seed, budget=budget)
    if c.info["new_pairs"] < VAL_LABELS_LEAST:
        return None, (f"{c.info['new_pairs']} pairs new in the validation window "
                      f"(the ranking criterion needs {VAL_LABELS_LEAST})")
    return c, ""


def _first_seen_before(lg, day: int) -> np.ndarray:
    """``[P]`` bool: the relations first seen before ``day`` (or at an unknown time)."""
    if lg.first_seen is None:
        return np.ones(lg.pairs.shape[1], dtype=bool)
    return lg.first_seen < day * 86_400 * 1_000_000


def rank_now(model, lg, baskets: Baskets, h: torch.Tensor, fitted: F.Reranker, top_k: int):
    """Every product's ``top_k`` candidates by the blend ``fitted``, on the whole graph (embeddings ``h``) and
    every basket: ``(src, dst, probability, type, candidates ranked)``, products ascending, best first.
    A refresh calls this too, with the blend its source run fitted."""
    from relmine.gnn.edges import Adjacency

    n = lg.num_nodes
    b, p, d = baskets.basket, baskets.product, baskets.day
    now = F.snapshot(b, p, d, n, int(d.max()) + 1, extra=_nearest(h), n_popular=N_POPULAR, n_rising=N_RISING)
    # every related pair, those the significance filter left out and other relation types included
    related = torch.from_numpy(np.concatenate([lg.pairs, lg.dropped], axis=1)).long()
    observed = Adjacency(torch.cat([related, related.flip(0)], 1), n)
    keep = ~observed.has_edge(torch.from_numpy(now.cand_src), torch.from_numpy(now.cand_dst)).numpy()
    cs, cd, cf = now.cand_src[keep], now.cand_dst[keep], now.features[keep]
    del now
    gnn, types = _logits(model, h, lg.adjacency(), cs, cd, with_types=True)
    logit = fitted.score(np.column_stack([cf, gnn]))
    idx = best_per_source(cs, cd, logit, cf[:, F.FEATURES.index("ra")], top_k)
    return (torch.from_numpy(cs[idx]).long(), torch.from_numpy(cd[idx]).long(),
            torch.from_numpy(1.0 / (1.0 + np.exp(-logit[idx]))).float(), torch.from_numpy(types[idx]).long(),
            int(cs.size))


def to_saved(fitted: F.Reranker) -> dict:
    """The blend as plain tensors and names, stored with the run's model (a refresh ranks with it)."""
    return {"names": list(fitted.names), "mean": torch.from_numpy(fitted.mean), "scale": torch.from_numpy(fitted.scale),
            "weights": torch.from_numpy(fitted.weights)}


def from_saved(saved: dict) -> F.Reranker:
    return F.Reranker(saved["mean"].numpy(), saved["scale"].numpy(), saved["weights"].numpy(),
                      names=tuple(saved["names"]))
