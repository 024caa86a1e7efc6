"""The written embedding space (centred, L2-normalised) and the measures of bench/embeddings.py, by hand."""

import math

import numpy as np
import pytest
import torch

from relmine.gnn.embedspace import center_normalise, concentration, neighbour_hits_at_k


def test_center_normalise_by_hand():
    # mean (2, 1); centred rows (-1, 1), (1, -1), (0, 0) -> the last stays zero
    h = torch.tensor([[1.0, 2.0], [3.0, 0.0], [2.0, 1.0]])
    out = center_normalise(h)
    s = 1 / math.sqrt(2)
    assert torch.allclose(out, torch.tensor([[-s, s], [s, -s], [0.0, 0.0]]))


def test_center_normalise_removes_a_shared_component():
    # two groups that differ only in a small direction, on top of a large shared one: raw cosine ~1,
    # centred cosine -1 across the groups and 1 within
    shared = torch.tensor([100.0, 0.0, 0.0])
    h = torch.stack([shared + torch.tensor([0.0, 1.0, 0.0]), shared + torch.tensor([0.0, 1.0, 0.0]),
                     shared + torch.tensor([0.0, -1.0, 0.0]), shared + torch.tensor([0.0, -1.0, 0.0])])
    raw = torch.nn.functional.normalize(h, dim=1)
    assert (raw @ raw.t()).min() > 0.9998
    c = center_normalise(h)
    assert torch.allclose(c @ c.t(), torch.tensor([[1.0, 1, -1, -1], [1, 1, -1, -1], [-1, -1, 1, 1],
                                                   [-1, -1, 1, 1]]))


def test_center_normalise_empty():
    assert center_normalise(torch.empty(0, 4)).shape == (0, 4)


def test_concentration_by_hand():
    # unit vectors; cosines (0,1) = 0.6, (0,2) = 0, (1,2) = 0.8
    h = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
    c = concentration(h, ["x", "x", "y"], k=1)
    assert c["within"] == pytest.approx(0.6)          # the one same-label pair
    assert c["across"] == pytest.approx((0.0 + 0.8) / 2)
    # nearest cosines: row 0 -> 0.6, row 1 -> 0.8, row 2 -> 0.8
    assert c["nn_mean"] == pytest.approx((0.6 + 0.8 + 0.8) / 3)
    assert c["nn_min"] == pytest.approx(0.6) and c["nn_max"] == pytest.approx(0.8)
    assert c["nn_spread"] == pytest.approx(0.0)       # k=1: first minus first
    c2 = concentration(h, ["x", "x", "y"], k=2)
    # spreads: row 0 0.6-0 , row 1 0.8-0.6, row 2 0.8-0
    assert c2["nn_spread"] == pytest.approx((0.6 + 0.2 + 0.8) / 3)


def test_hits_at_k_by_hand():
    h = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [-1.0, 0.0]])
    # pair (0, 2): from 0 the order is 1 (0.6), 2 (0), 3 (-1): rank 2; from 2: 1 (0.8), 0 (0): rank 2
    assert neighbour_hits_at_k(h, np.array([[0], [2]]), k=1) == 0.0
    assert neighbour_hits_at_k(h, np.array([[0], [2]]), k=2) == 1.0
    # pair (0, 1): from 0 rank 1; from 1: 2 (0.8) then 0 (0.6): rank 2 -> half at k=1
    assert neighbour_hits_at_k(h, np.array([[0], [1]]), k=1) == 0.5
    assert math.isnan(neighbour_hits_at_k(h, np.empty((2, 0)), k=10))
