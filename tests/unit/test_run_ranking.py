"""The run's own write-back ranking on its test window (issue 26 item 3): the metrics, by hand."""

from __future__ import annotations

import math

import pytest
import torch
from torch_geometric.data import Data

from relmine.learn.ranking import ranking_metrics, score_lists


def test_precision_recall_and_ndcg_per_product_then_averaged():
    lists = {1: [5, 6, 7], 2: [9, 8]}
    targets = {1: {6, 40}, 2: {8}, 3: {1}}  # product 3 got no list: it scores 0
    got = score_lists(lists, targets, k=3)
    # product 1: one hit at rank 2 of 2 wanted; product 2: one hit at rank 2 of 1 wanted; product 3: nothing
    assert got["precision@3"] == pytest.approx((1 / 3 + 1 / 3 + 0) / 3)
    assert got["recall@3"] == pytest.approx((1 / 2 + 1 + 0) / 3)
    ndcg1 = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    ndcg2 = (1 / math.log2(3)) / 1
    assert got["ndcg@3"] == pytest.approx((ndcg1 + ndcg2 + 0) / 3)
    assert score_lists({1: [6, 40]}, {1: {6, 40}}, k=2) == {"precision@2": 1.0, "recall@2": 1.0, "ndcg@2": 1.0}
    assert score_lists(lists, {}) == {}


class _Scorer(torch.nn.Module):
    """A stand-in model whose decoder prefers the candidate of lowest id: its ranking is known."""

    needs_adjacency = False

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def encode(self, x, *args):
        return x

    def decode(self, h, pairs, adj):
        return -pairs[1].float(), None


def test_the_model_and_the_heuristics_rank_the_write_back_candidates_of_products_with_test_pairs():
    # a path 0-1-2-3 plus 0-4: two-hop candidates of 0 are 2 (via 1); of 1: 3 and 4 (via 2 and 0) ...
    edges = torch.tensor([[0, 1, 2, 0], [1, 2, 3, 4]])
    graph = Data(x=torch.eye(5), edge_index=torch.cat([edges, edges.flip(0)], 1), num_nodes=5)
    test = torch.tensor([[1], [3]])  # the pair 1-3 came later
    got = ranking_metrics(_Scorer(), graph, test, k=1)
    assert got["sources"] == 2 and got["k"] == 1
    assert got["coverage"] == 1.0  # 3 is two hops from 1 (and 1 from 3): both in the candidates
    # candidates of 1: two-hop 3 and 4 (0 and 2 are its neighbours); of 3: two-hop 1, and the embedding
    # neighbours 0 and 4 (every cosine ties on these features). Lowest id first: 1 -> 3 (a hit), 3 -> 0 (a miss)
    assert got["model"] == {"precision@1": 0.5, "recall@1": 0.5, "ndcg@1": 0.5}
    # RA: 1's two-hop candidates 3 (via 2, deg 2) and 4 (via 0, deg 2) tie, broken by position (3 first)
    assert got["ra"]["precision@1"] == 1.0
    assert ranking_metrics(_Scorer(), graph, torch.empty(2, 0, dtype=torch.long)) == {}
