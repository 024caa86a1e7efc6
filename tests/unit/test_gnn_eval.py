"""relmine.gnn evaluation: metrics on hand-made cases, heuristics against networkx, the split."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from relmine.gnn.evaluate import (MODEL, evaluate_split, format_table, linear_probe, plot_evaluation,
                                  summarize)
from relmine.gnn.edges import Adjacency, split_edges
from relmine.gnn.heuristics import adjacency_matrix, cosine_scorer, heuristic_scores
from relmine.gnn.metrics import auc, hits_at_k, link_metrics, metric, mrr
from relmine.gnn.model import GATLinkPredictor
from relmine.gnn.train import TrainConfig, train


# ---------------------------------------------------------------- metrics

def test_hits_at_k_hand_made():
    pos = [0.9, 0.5, 0.2]
    neg = [0.8, 0.6, 0.1, 0.7]
    assert hits_at_k(pos, neg, 1) == pytest.approx(1 / 3)   # beat 0.8
    assert hits_at_k(pos, neg, 2) == pytest.approx(1 / 3)   # beat 0.7
    assert hits_at_k(pos, neg, 3) == pytest.approx(1 / 3)   # beat 0.6
    assert hits_at_k(pos, neg, 4) == 1.0                    # beat 0.1
    assert hits_at_k(pos, neg, 10) == 1.0                   # fewer negatives than K
    assert hits_at_k([0.7], neg, 2) == 0.0                  # a tie is not a hit


def test_mrr_hand_made_with_ties():
    # ranks: 1; 3; tie with one negative -> mean of ranks 1 and 2 = 1.5
    pos = torch.tensor([5.0, 1.0, 2.0])
    neg = torch.tensor([[1.0, 2.0], [3.0, 4.0], [2.0, 0.0]])
    assert mrr(pos, neg) == pytest.approx((1 + 1 / 3 + 1 / 1.5) / 3)
    with pytest.raises(ValueError):
        mrr(pos, neg[:2])


def test_auc_matches_sklearn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    pos = rng.integers(0, 5, 200).astype(float)
    neg = rng.integers(0, 4, 300).astype(float)
    expected = roc_auc_score(np.r_[np.ones(200), np.zeros(300)], np.r_[pos, neg])
    assert auc(pos, neg) == pytest.approx(expected)
    assert auc([1.0, 2.0], [0.0]) == 1.0
    assert metric("auc", [1.0], [0.0]) == 1.0
    assert set(link_metrics([1.0], [0.0], [[0.5]])) == {"auc", "hits@20", "hits@50", "hits@100", "mrr"}
    with pytest.raises(ValueError):
        metric("precision", [1.0], [0.0])


# ---------------------------------------------------------------- heuristics

def test_heuristics_match_networkx():
    g = nx.karate_club_graph()
    edge_index = torch.tensor(list(g.edges())).t()
    adj = adjacency_matrix(edge_index, g.number_of_nodes())
    pairs = list(nx.non_edges(g))[:200] + list(g.edges())[:20]
    scores = heuristic_scores(adj, torch.tensor(pairs).t(), chunk=7)  # 32 chunks, the last one short
    cn = [len(list(nx.common_neighbors(g, u, v))) for u, v in pairs]
    aa = [p for _, _, p in nx.adamic_adar_index(g, pairs)]
    ra = [p for _, _, p in nx.resource_allocation_index(g, pairs)]
    np.testing.assert_allclose(scores["CN"], cn)
    np.testing.assert_allclose(scores["AA"], aa, rtol=1e-6)
    np.testing.assert_allclose(scores["RA"], ra, rtol=1e-6)
    # the torch adjacency used by the decoder agrees
    torch_heur = Adjacency(torch.cat([edge_index, edge_index.flip(0)], 1), 34).heuristics(
        *torch.tensor(pairs).t())
    np.testing.assert_allclose(torch_heur.numpy(), np.stack([cn, aa, ra], 1), rtol=1e-5)


def test_cosine_scorer():
    score = cosine_scorer(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0]]))
    np.testing.assert_allclose(score(np.array([[0, 0], [1, 2]])), [1.0, 0.0])


# ---------------------------------------------------------------- split and report

def ring_of_cliques(cliques: int = 12, size: int = 6) -> Data:
    g = nx.ring_of_cliques(cliques, size)
    e = torch.tensor(list(g.edges())).t()
    n = g.number_of_nodes()
    x = torch.nn.functional.one_hot(torch.arange(n) // size, cliques).float()
    return Data(x=x, edge_index=torch.cat([e, e.flip(0)], 1), y=torch.arange(n) // size, num_nodes=n)


def test_split_edges_is_disjoint_and_negatives_are_non_edges():
    data = ring_of_cliques()
    split = split_edges(data, val_ratio=0.1, test_ratio=0.2, seed=3, mrr_negatives=7)
    full = Adjacency(data.edge_index, data.num_nodes)
    m = data.edge_index.size(1) // 2
    sizes = split.train_pos.size(1), split.val_pos.size(1), split.test_pos.size(1)
    assert sum(sizes) == m and sizes[2] == round(0.2 * m) and sizes[1] == round(0.1 * m)
    keys = [set((p[0] * 1000 + p[1]).tolist()) for p in (split.train_pos, split.val_pos, split.test_pos)]
    assert not (keys[0] & keys[1]) and not (keys[0] & keys[2]) and not (keys[1] & keys[2])
    assert split.graph.edge_index.size(1) == 2 * sizes[0]
    for neg in (split.val_neg, split.test_neg):
        assert not full.has_edge(neg[0], neg[1]).any()
    assert split.test_neg.size(1) == sizes[2]
    heads = split.test_pos[0].unsqueeze(1).expand_as(split.test_neg_per_edge)
    assert split.test_neg_per_edge.shape == (sizes[2], 7)
    assert not full.has_edge(heads.reshape(-1), split.test_neg_per_edge.reshape(-1)).any()
    again = split_edges(data, val_ratio=0.1, test_ratio=0.2, seed=3, mrr_negatives=7)
    assert torch.equal(again.test_pos, split.test_pos) and torch.equal(again.test_neg, split.test_neg)


def test_evaluate_split_reports_model_and_heuristics(tmp_path):
    data = ring_of_cliques()
    split = split_edges(data, seed=0, mrr_negatives=10)
    torch.manual_seed(0)
    model = GATLinkPredictor(12, 16, heads=2, num_layers=1)
    result = train(model, [split.graph], TrainConfig(epochs=3, batch_size=64, progress=False))
    ev = evaluate_split(split, model, extra={"cosine(x)": cosine_scorer(data.x)})
    assert set(ev.metrics) == {MODEL, "cosine(x)", "CN", "AA", "RA"}
    for values in ev.metrics.values():
        assert set(values) == {"auc", "hits@20", "hits@50", "hits@100", "mrr"}
        assert all(0.0 <= v <= 1.0 for v in values.values())
    # cliques: held-out edges mostly close triangles, random pairs mostly do not
    assert ev.metrics["CN"]["auc"] > 0.8
    png = plot_evaluation(tmp_path / "eval.png", ev, result.history)
    assert (tmp_path / "eval.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.endswith("eval.png")
    summary = summarize([ev.metrics, ev.metrics])
    assert summary["RA"]["auc"] == (pytest.approx(ev.metrics["RA"]["auc"]), pytest.approx(0.0))
    table = format_table(summary)
    assert table.splitlines()[0].startswith("method") and "RA" in table and "±" in table


def test_linear_probe_on_separable_embeddings():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 400)
    emb = np.eye(4)[y] * 3 + rng.normal(scale=0.3, size=(400, 4))
    probe = linear_probe(emb, y, splits=2)
    assert probe["mean"] > 0.95 and probe["splits"] == 2
    noise = linear_probe(rng.normal(size=(400, 4)), y, splits=2)
    assert noise["mean"] < 0.5
