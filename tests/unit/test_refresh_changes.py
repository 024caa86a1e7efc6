"""Incremental refresh (relmine.learn.refresh): the products it re-embeds, on a graph that changed, get what a
full re-embedding of the graph now gives them, and every other product's stored vector and relation attention
already equal the full re-embedding's (so keeping them is exact)."""

from __future__ import annotations

import numpy as np
import torch

from relmine.learn import refresh as RF
from relmine.learn.pull import LearningGraph
from relmine.learn.pipeline import build_model, full_graph_outputs
from relmine.learn.spec import TrainSpec
from relmine.relations import OBSERVED


def _graph(n: int, pairs: np.ndarray, x: torch.Tensor, weights: np.ndarray | None = None,
           skus: list[str] | None = None) -> LearningGraph:
    pairs = np.sort(pairs, axis=0)
    key = np.unique(pairs[0] * n + pairs[1])
    pairs = np.stack([key // n, key % n]).astype(np.int64)
    w = np.ones(pairs.shape[1], dtype=np.float32) if weights is None else weights
    return LearningGraph(skus or [f"P{i:04d}" for i in range(n)], x, pairs,
                         np.full(pairs.shape[1], OBSERVED.index("CO_PURCHASED"), dtype=np.int64), w, "hashed")


def _outputs(model, lg):
    local = np.zeros(lg.pairs.shape[1], dtype=np.int64)
    return full_graph_outputs(model, lg, local, 1_000_000)


def test_refreshed_products_equal_a_full_reembedding_and_the_rest_are_unchanged():
    rng = np.random.default_rng(0)
    n, f = 300, 12
    # a sparse graph: a ring (so it is connected) and random chords
    ring = np.stack([np.arange(n), (np.arange(n) + 1) % n])
    chords = rng.integers(0, n, size=(2, 150))
    chords = chords[:, chords[0] != chords[1]]
    x = torch.from_numpy(rng.normal(size=(n, f)).astype(np.float32))
    old = _graph(n, np.concatenate([ring, chords], 1), x)
    torch.manual_seed(0)
    model = build_model(TrainSpec(hidden=16, heads=2, layers=2), f, 1).eval()
    h_old, att_old = _outputs(model, old)

    # now: a new product P0300 related to two old ones, a new relation between old products, one relation
    # reweighted, one gone, and one product's features changed
    m = n + 1
    x_new = torch.cat([x, torch.from_numpy(rng.normal(size=(1, f)).astype(np.float32))])
    x_new[50] += 1.0
    pairs = np.concatenate([old.pairs, np.array([[300, 300, 10], [20, 120, 200]])], 1)
    gone = np.flatnonzero((old.pairs[0] == 150) & (old.pairs[1] == 151))
    pairs = np.delete(pairs, gone, axis=1)
    new = _graph(m, pairs, x_new)
    w = new.weights.copy()
    w[np.flatnonzero((new.pairs[0] == 80) & (new.pairs[1] == 81))] = 3.0
    new.weights = w
    h_full, att_full = _outputs(model, new)

    old_graph = {"skus": old.skus, "pairs": torch.from_numpy(old.pairs), "types": torch.from_numpy(old.types),
                 "weights": torch.from_numpy(old.weights)}
    changes = RF.find_changes(old_graph, RF.row_digests(old.x), new, RF.row_digests(new.x), layers=2)
    fig = changes.figures
    assert fig["products_new"] == 1 and fig["products_features_changed"] >= 1
    assert fig["relations_new"] == 3 and fig["relations_reweighted"] == 1 and fig["relations_gone"] == 1
    changed = changes.changed
    assert changed[300] and changed[50] and changed[80] and changed[151]
    assert 0 < changed.sum() < m // 2  # incremental: far from every product

    rows, columns, att, in_subgraph = RF.embed_changed(model, new, np.zeros(new.pairs.shape[1], dtype=np.int64),
                                                       changes, 1_000_000)
    h, attention = RF.merged_outputs({"embeddings": h_old, "attention": att_old}, changes, new, rows, columns, att)
    assert in_subgraph < m
    # the refreshed products: what a full re-embedding gives them
    idx = torch.from_numpy(np.flatnonzero(changed))
    assert torch.allclose(h[idx], h_full[idx], atol=1e-5)
    # the others: their stored vectors, and those equal the full re-embedding's too
    rest = torch.from_numpy(np.flatnonzero(~changed))
    assert torch.equal(h[rest], h_old[torch.from_numpy(changes.old_index[~changed])])
    assert torch.allclose(h[rest], h_full[rest], atol=1e-5)
    # attention: new on every relation touching a refreshed product, stored elsewhere; all equal the full one
    assert torch.allclose(attention, att_full, atol=1e-5)
    untouched = ~(changed[new.pairs[0]] | changed[new.pairs[1]])
    assert torch.equal(attention[torch.from_numpy(untouched)],
                       att_old[torch.from_numpy(changes.old_column[untouched])])


def test_nothing_changed_refreshes_nothing():
    rng = np.random.default_rng(1)
    n = 50
    lg = _graph(n, rng.integers(0, n, size=(2, 120)), torch.from_numpy(rng.normal(size=(n, 4)).astype(np.float32)))
    old_graph = {"skus": lg.skus, "pairs": torch.from_numpy(lg.pairs), "types": torch.from_numpy(lg.types),
                 "weights": torch.from_numpy(lg.weights)}
    changes = RF.find_changes(old_graph, RF.row_digests(lg.x), lg, RF.row_digests(lg.x), layers=3)
    assert not changes.changed.any() and (changes.old_index == np.arange(n)).all()
    assert changes.figures["relations_new"] == changes.figures["relations_gone"] == 0


def test_expand_hops():
    pairs = np.array([[0, 1, 2, 3], [1, 2, 3, 4]])
    seed = np.zeros(5, dtype=bool)
    seed[0] = True
    assert RF.expand(seed, pairs, 0).tolist() == seed.tolist()
    assert np.flatnonzero(RF.expand(seed, pairs, 2)).tolist() == [0, 1, 2]


def test_a_model_that_ignores_weights_is_not_refreshed_for_a_weight_alone():
    """The recipe's model does not read relation weights (use_edge_weight False): a relation whose weight alone
    changed seeds nothing, and what is refreshed is still exact."""
    rng = np.random.default_rng(2)
    n, f = 200, 6
    ring = np.stack([np.arange(n), (np.arange(n) + 1) % n])
    x = torch.from_numpy(rng.normal(size=(n, f)).astype(np.float32))
    old = _graph(n, ring, x)
    torch.manual_seed(0)
    model = build_model(TrainSpec(hidden=8, heads=2, layers=2), f, 1).eval()
    assert not model.encoder.use_edge_weight
    h_old, att_old = _outputs(model, old)
    w = old.weights.copy()
    w[np.flatnonzero((old.pairs[0] == 10) & (old.pairs[1] == 11))] = 5.0
    new = _graph(n, old.pairs, x, weights=w)
    new.pairs = old.pairs
    old_graph = {"skus": old.skus, "pairs": torch.from_numpy(old.pairs), "types": torch.from_numpy(old.types),
                 "weights": torch.from_numpy(old.weights)}
    weighted = RF.find_changes(old_graph, RF.row_digests(old.x), new, RF.row_digests(new.x), layers=2)
    ignored = RF.find_changes(old_graph, RF.row_digests(old.x), new, RF.row_digests(new.x), layers=2, weighted=False)
    assert weighted.figures["relations_reweighted"] == ignored.figures["relations_reweighted"] == 1
    assert weighted.changed.sum() == 4 and not ignored.changed.any()  # 10, 11 and one hop: 9, 12
    h_full, att_full = _outputs(model, new)
    h, att = RF.merged_outputs({"embeddings": h_old, "attention": att_old}, ignored, new,
                               torch.zeros(0, h_old.size(1)), np.zeros(0, dtype=np.int64), torch.zeros(0))
    assert torch.allclose(h, h_full, atol=1e-6) and torch.allclose(att, att_full, atol=1e-6)
