"""The blend a time-held-out run writes (issue 26 item 4): the GNN's logit and the time heuristics, fitted on
the validation window, scored on the test window, ranking every product's candidates."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from relmine.learn import blend as B
from relmine.learn import future as F
from relmine.learn.pull import LearningGraph, split_relations
from relmine.learn.pipeline import build_model
from relmine.learn.spec import TrainSpec

DAY_US = 86_400 * 1_000_000


def _baskets(seed: int = 0, n: int = 400, days: int = 360, per_day: int = 8):
    """Dated baskets with drift: each product is in fashion for a stretch of days, and a basket mixes a
    few products of the same block of ten with one product in fashion that day."""
    rng = np.random.default_rng(seed)
    basket, product, day = [], [], []
    peak = rng.integers(0, days, n)
    b = 0
    for d in range(days):
        fashion = np.flatnonzero(np.abs(peak - d) < 30)
        for _ in range(per_day):
            block = rng.integers(0, n // 10) * 10
            items = set(rng.choice(np.arange(block, block + 10), rng.integers(2, 4), replace=False).tolist())
            if fashion.size:
                items.add(int(rng.choice(fashion)))
            for p in items:
                basket.append(b)
                product.append(p)
                day.append(d + 20_000)  # days since 1970: mid-2024
            b += 1
    return np.array(basket), np.array(product), np.array(day)


def _graph(basket, product, day, n):
    """The co-purchase learning graph of the baskets, each pair first seen on its first day."""
    order = np.argsort(day, kind="stable")
    first: dict[int, int] = {}
    by_basket: dict[int, list] = {}
    for bk, p, d in zip(basket[order], product[order], day[order]):
        by_basket.setdefault(int(bk), []).append((int(p), int(d)))
    for items in by_basket.values():
        for i, (a, d) in enumerate(items):
            for c, _ in items[i + 1:]:
                key = min(a, c) * n + max(a, c)
                first.setdefault(key, d)
    keys = np.array(sorted(first))
    pairs = np.stack([keys // n, keys % n])
    seen = np.array([first[k] for k in keys], dtype=np.int64) * DAY_US
    p = keys.size
    return LearningGraph([f"s{i}" for i in range(n)], torch.randn(n, 8, generator=torch.Generator().manual_seed(0)),
                         pairs, np.zeros(p, dtype=np.int64), np.ones(p, dtype=np.float32), "hashed", first_seen=seen)


@pytest.fixture(scope="module")
def window():
    """A run's pieces before training: the learning graph, its time split, the baskets, the training graph."""
    n = 400
    basket, product, day = _baskets(n=n)
    lg = _graph(basket, product, day, n)
    split = split_relations(lg, seed=0, val_ratio=0.1, test_ratio=0.15, holdout="time")
    local = np.zeros(lg.pairs.shape[1], dtype=np.int64)
    train_graph = lg.data(lg.pairs[:, split.train], local[split.train], lg.weights[split.train])
    torch.manual_seed(0)
    model = build_model(TrainSpec(hidden=16, heads=2), lg.x.size(1), 1)
    return lg, split, B.Baskets(basket, product, day, int(basket.max()) + 1, 0), train_graph, model


@pytest.fixture(scope="module")
def blended(window):
    lg, split, baskets, _, model = window
    model = model.eval()
    local = np.zeros(lg.pairs.shape[1], dtype=np.int64)
    h, _ = B._encode(model, lg, local, None, 1_000_000)
    assert B.usable(lg, split, baskets) is None
    return lg, split, B.blend_run(model, lg, local, split, baskets, h, seed=0, top_k=5)


def test_the_written_lists_are_new_pairs_best_first_with_probabilities(blended):
    lg, _, out = blended
    n = lg.num_nodes
    related = set((lg.pairs[0] * n + lg.pairs[1]).tolist())
    src, dst, score = out.src.numpy(), out.dst.numpy(), out.score.numpy()
    assert src.size > 0 and (np.diff(src) >= 0).all()  # products ascending
    assert np.bincount(src, minlength=n).max() <= 5  # top_k
    assert not (src == dst).any()
    assert not any(k in related for k in F.pair_key(src, dst, n).tolist())  # never a pair already related
    assert ((score > 0) & (score < 1)).all()
    for s in np.unique(src):
        mine = score[src == s]
        assert (np.diff(mine) <= 1e-7).all()  # best first
    assert (out.type == 0).all()


def test_the_run_records_every_method_on_its_test_window_and_the_fit_on_validation(blended):
    _, split, out = blended
    assert split.held_out["holdout"] == "time"
    for method in B.METHODS:
        figures = out.ranking[method]
        assert set(figures) == {"precision@10", "recall@10", "ndcg@10"}
        assert all(0.0 <= v <= 1.0 for v in figures.values())
    assert 0.0 < out.ranking["coverage"] <= 1.0 and out.ranking["sources"] > 0
    for name, fit in out.fits.items():
        assert set(fit["figures"]) == {"model", "heuristic_reranker", "recent_popularity"}
        assert "gnn" in fit["weights"] and "gnn" not in fit["heuristic_weights"]
        assert fit["labels"] > 0 and fit["from"] < fit["to"]
    # each blend is fitted on days the model never learned from: from the validation window on
    assert split.held_out["val_from"][:10] <= out.fits["test"]["from"] < out.fits["test"]["to"]
    assert out.fits["test"]["to"] == split.held_out["test_from"][:10]
    assert out.fits["written"]["to"] > split.held_out["test_to"][:10]  # up to the latest order
    check = out.fits["written"]["gnn_check"]  # whether the written blend takes the model's logit, and why
    assert isinstance(check["uses_gnn"], bool) and (check["uses_gnn"] or check["checked"])
    assert (out.fits["written"]["weights"]["gnn"] == 0.0) != check["uses_gnn"]


def test_a_blend_is_not_beaten_on_its_own_window_by_the_heuristics_it_blends(blended):
    _, _, out = blended
    for fit in out.fits.values():
        v = fit["figures"]
        assert v["model"]["ndcg@10"] >= min(v["heuristic_reranker"]["ndcg@10"], v["recent_popularity"]["ndcg@10"])


def test_a_random_holdout_or_a_large_catalogue_writes_the_decoders_ranking(blended, monkeypatch):
    lg, _, _ = blended
    random = split_relations(lg, seed=0, holdout="random")
    assert B.usable(lg, random) == "the relations were held out at random"
    timed = split_relations(lg, seed=0, val_ratio=0.1, test_ratio=0.15, holdout="time")
    monkeypatch.setattr(B, "PRODUCTS_MOST", 10)
    assert "products" in B.usable(lg, timed)
    monkeypatch.setattr(B, "PRODUCTS_MOST", 50_000)
    undated = B.Baskets(np.zeros(3), np.zeros(3), np.zeros(3), 1, 1)
    assert B.usable(lg, timed, undated) == "no dated sale orders in the graph"


def test_best_per_source_orders_like_rank_candidates():
    src = np.array([0, 0, 0, 1, 1, 2])
    dst = np.array([3, 1, 2, 0, 2, 1])
    score = np.array([0.5, 0.9, 0.5, 0.1, 0.2, 0.3])
    tie = np.array([1.0, 0.0, 2.0, 0.0, 0.0, 0.0])
    idx = B.best_per_source(src, dst, score, tie, 2)
    assert list(zip(src[idx].tolist(), dst[idx].tolist())) == [(0, 1), (0, 2), (1, 2), (1, 0), (2, 1)]
    top = F.rank_candidates(src, dst, score, tie, 3, 2)
    assert top.tolist() == [[1, 2], [2, 0], [1, -1]]


def test_the_embed_task_writes_a_blocks_share_of_the_ranked_lists_with_ranks_per_product():
    from relmine.learn.writeback import _ranked_rows

    ranked = {"src": torch.tensor([0, 0, 2, 2, 2, 5]), "dst": torch.tensor([3, 1, 4, 0, 1, 2]),
              "score": torch.tensor([0.9, 0.5, 0.8, 0.7, 0.1, 0.6]), "type": torch.tensor([0, 1, 0, 0, 1, 0])}
    src, dst, typ, score, rank = _ranked_rows(ranked, torch.tensor([2, 5]))
    assert src.tolist() == [2, 2, 2, 5] and dst.tolist() == [4, 0, 1, 2]
    assert rank.tolist() == [1, 2, 3, 1] and typ.tolist() == [0, 0, 1, 0]
    assert np.allclose(score, [0.8, 0.7, 0.1, 0.6])


def test_early_stopping_ranks_the_validation_window_with_a_blend_of_the_models_logit(window, monkeypatch):
    lg, split, baskets, train_graph, model = window
    crit, why = B.criterion(lg, split, baskets, train_graph, seed=0)
    assert crit is not None and why == ""
    # the window between the validation and the test cut, labels are its new pairs among the candidates
    assert crit.info["from"] >= split.held_out["val_from"][:10] and crit.info["to"] == split.held_out["test_from"][:10]
    assert 0 < crit.info["labels"] <= crit.info["new_pairs"] and crit.info["sources"] <= B.VAL_SOURCES_MOST
    first = crit(model, None)
    assert first == crit.last["blend"]["precision@10"] and set(crit.last) == {"blend", "gnn"}
    assert crit.improves(first, None) and crit.best == crit.last  # the first epoch is the best so far
    assert crit(model, None) == first and not crit.improves(first, first)  # the same weights: no gain
    # a logit that knows the window's pairs lifts the criterion above the heuristics' blend with a blind one
    noise = np.random.default_rng(1).normal(size=crit.labels.size)
    monkeypatch.setattr(B, "_logits", lambda *a, **k: noise)
    blind = crit(model, None)
    assert not crit.improves(blind, first) and crit.best["blend"]["precision@10"] == first
    monkeypatch.setattr(B, "_logits", lambda *a, **k: crit.labels * 4.0 + noise)
    knowing = crit(model, None)
    assert knowing > blind and crit.improves(knowing, first) and crit.best["blend"]["precision@10"] == knowing


def test_a_gain_on_the_validation_window_counts_only_where_it_is_significant(window):
    lg, split, baskets, train_graph, _ = window
    crit, _ = B.criterion(lg, split, baskets, train_graph, seed=0)
    products = len(crit.wanted)
    assert products > 20
    flat = np.full(products, 0.3)

    def epoch(blend, gnn=flat):
        crit._last_hits, crit.last = {"blend": blend, "gnn": gnn}, {"blend": {"precision@10": float(blend.mean())}}
        return float(blend.mean())

    crit._best_hits = {"blend": flat, "gnn": flat}
    one_hit = flat.copy()
    one_hit[0] += 0.1  # one more hit on one product: higher, not significant
    assert not crit.improves(epoch(one_hit), 0.3)
    broad = flat.copy()
    broad[: products // 2] += 0.1  # one more hit on half the products: a gain
    assert crit.improves(epoch(broad), 0.3) and crit._best_hits["blend"] is broad
    # the blend level (the heuristics carry it), the model's own ranking clearly better: a gain too
    assert crit.improves(epoch(broad.copy(), gnn=flat + 0.2), float(broad.mean()))
    # ... but not when the blend is clearly worse for it
    worse = crit._best_hits["blend"] - 0.1
    assert not crit.improves(epoch(worse, gnn=flat + 0.4), float(broad.mean()))
    # a resumed run (the best epoch scored by another process): any gain counts
    crit._best_hits = {}
    assert not crit.improves(0.29, 0.3) and crit.improves(0.31, 0.3)


def test_a_validation_window_with_too_few_new_pairs_early_stops_on_hits_at_50(window, monkeypatch):
    lg, split, baskets, train_graph, _ = window
    monkeypatch.setattr(B, "VAL_LABELS_LEAST", 10**9)
    crit, why = B.criterion(lg, split, baskets, train_graph)
    assert crit is None and "pairs new in the validation window" in why


def test_the_written_blend_takes_the_models_logit_only_where_it_ranked_the_latest_days_better(window):
    lg, split, baskets, _, _ = window
    n, rng = lg.num_nodes, np.random.default_rng(0)
    end = int(baskets.day.max()) + 1
    earlier = B._window(baskets, n, end - B.CHECK_DAYS - B.FIT_DAYS, end - B.CHECK_DAYS, 600, rng)
    latest = B._window(baskets, n, end - B.CHECK_DAYS, end, 600, rng)
    assert earlier.labels.sum() > 0 and len(latest.wanted) > 20

    def logit(w, knows: bool):
        noise = np.random.default_rng(1).normal(size=w.labels.size)
        return w.labels * 4.0 + noise if knows else noise

    def checked(knows: bool) -> dict:
        x = np.column_stack([earlier.features, logit(earlier, knows)])
        fit = B.Fit(F.fit_reranker(x, earlier.labels, names=B.BLEND_FEATURES),
                    F.fit_reranker(earlier.features, earlier.labels), {"from": "a", "to": "b"}, {})
        return B.gnn_check(latest, np.column_stack([latest.features, logit(latest, knows)]), fit, n)

    knowing, blind = checked(True), checked(False)
    assert knowing["checked"] and knowing["uses_gnn"] and knowing["z"] > B.VAL_GAIN_Z
    assert knowing["blend_precision@10"] > knowing["heuristic_reranker_precision@10"]
    assert blind["checked"] and not blind["uses_gnn"] and blind["z"] <= B.VAL_GAIN_Z
    assert "leaves out" in blind["line"] and "takes" in knowing["line"]
    unchecked = B.gnn_check(latest, np.column_stack([latest.features, logit(latest, False)]), None, n)
    assert unchecked["uses_gnn"] and not unchecked["checked"]


def test_a_blend_without_the_models_logit_ranks_as_the_heuristic_re_ranker(window):
    lg, _, baskets, _, _ = window
    end = int(baskets.day.max()) + 1
    w = B._window(baskets, lg.num_nodes, end - B.FIT_DAYS, end, 600, np.random.default_rng(0))
    heuristic = F.fit_reranker(w.features, w.labels)
    blend = B._with_gnn_unweighted(heuristic)
    x = np.column_stack([w.features, np.random.default_rng(2).normal(size=w.labels.size) * 100])
    assert blend.names == B.BLEND_FEATURES and blend.describe()["gnn"] == 0.0
    np.testing.assert_allclose(blend.score(x), heuristic.score(w.features))
    saved = B.from_saved(B.to_saved(blend))  # what the model stores and a refresh ranks with
    np.testing.assert_allclose(saved.score(x), heuristic.score(w.features))
