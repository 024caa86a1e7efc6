"""relmine.gnn.features: the one feature builder of every run (hashed title and category words, price, degree).

It replaces an earlier ``FeatureSpec`` builder that no run used (issue 28: one ``node_features``)."""

from __future__ import annotations

import math

import pytest
import torch

from relmine.gnn.features import node_features

ROWS = [
    {"title": "Canon EOS 80D body", "category": "Electronics > Camera & Photo > Digital Cameras", "price": 899.0,
     "degree": 12},
    {"title": "Canon EOS 90D body", "category": "Electronics > Camera & Photo > Digital Cameras", "price": "899",
     "degree": 0},
    {"title": None, "category": None, "price": "", "degree": None},
    {"title": "Tripod", "category": "Electronics", "price": -3, "degree": 3},
]


def test_layout_text_block_then_price_flag_and_degree():
    x = node_features(ROWS, text_dim=64)
    assert x.shape == (4, 64 + 3) and x.dtype == torch.float32
    text, dense = x[:, :64], x[:, 64:]
    assert torch.allclose(text[[0, 1, 3]].norm(dim=1), torch.ones(3), atol=1e-5)  # l2-normalised words
    assert text[2].abs().sum() == 0  # nothing known: no words
    # the two cameras share most words (title and category levels), the tripod few
    assert float(text[0] @ text[1]) > 0.6 > float(text[0] @ text[3])
    assert dense[0].tolist() == pytest.approx([math.log1p(899.0) / 10, 1.0, math.log1p(12) / 5])
    assert dense[1].tolist() == pytest.approx([math.log1p(899.0) / 10, 1.0, 0.0])  # a price given as text
    # no price, or a negative one: no price, flagged 0, never NaN
    assert dense[2].tolist() == [0.0, 0.0, 0.0] and dense[3, :2].tolist() == [0.0, 0.0]
    assert not torch.isnan(x).any()


def test_the_same_rows_give_the_same_features_whatever_else_is_in_the_batch():
    alone = node_features(ROWS[:1], text_dim=32)
    together = node_features(ROWS, text_dim=32)
    assert torch.equal(alone[0], together[0])  # hashing: no vocabulary fitted on the batch
