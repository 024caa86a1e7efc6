"""relmine.gnn.features: hashed node features from catalogue fields."""

from __future__ import annotations

import pytest
import torch

from relmine.errors import InputError
from relmine.gnn.features import (FeatureSpec, category_levels, edge_weight_feature, node_features,
                                  relation_type_ids)

PRODUCTS = [
    {"sku": "A1", "title": "Canon EOS 80D body", "description": ["<b>24MP</b> DSLR"],
     "category": "Electronics > Camera & Photo > Digital Cameras", "price": "$899.00", "degree": 12},
    {"sku": "B2", "title": "Tripod 60 inch", "category": ["Electronics", "Camera & Photo", "Tripods"],
     "price": 25.5},
    {"sku": "C3", "title": None, "category": None, "price": "", "degree": 0},
]


def test_layout_and_values():
    spec = FeatureSpec(text_dim=64, category_dim=16)
    x = node_features(PRODUCTS, spec)
    assert x.shape == (3, spec.dim) == (3, 64 + 16 + 3) and x.dtype == torch.float32
    text, cat, dense = x[:, :64], x[:, 64:80], x[:, 80:]
    assert torch.allclose(text[:2].norm(dim=1), torch.ones(2), atol=1e-5)
    assert text[2].abs().sum() == 0 and cat[2].abs().sum() == 0
    # both cameras share the first two category levels, so their category vectors overlap
    assert float(cat[0] @ cat[1]) > 0.5
    assert dense[0, 0] == pytest.approx(torch.log1p(torch.tensor(899.0)).item() / 5)
    assert dense[2, 1] == 1.0 and dense[0, 1] == 0.0          # missing-price flag
    assert dense[0, 2] == pytest.approx(torch.log1p(torch.tensor(12.0)).item() / 5)


def test_features_do_not_depend_on_the_other_products():
    alone = node_features(PRODUCTS[1:2])
    together = node_features(PRODUCTS)
    assert torch.equal(alone[0], together[1])


def test_degrees_override_by_position_or_key():
    by_key = node_features(PRODUCTS, degrees={"A1": 3, "B2": 3, "C3": 3})
    by_pos = node_features(PRODUCTS, degrees=[3, 3, 3])
    assert torch.equal(by_key, by_pos)
    assert by_key[0, -1] == pytest.approx(torch.log1p(torch.tensor(3.0)).item() / 5)


def test_bad_values_name_the_row_and_product():
    with pytest.raises(InputError, match=r"row 1 \(B2\): price 'cheap'"):
        node_features([PRODUCTS[0], {**PRODUCTS[1], "price": "cheap"}])
    with pytest.raises(InputError, match="negative"):
        node_features([{"sku": "Z", "price": -1}])


def test_helpers():
    assert category_levels("A > B | C") == ["a", "a > b", "a > b > c"]
    assert category_levels(["<span>A</span>", "", "B"]) == ["a", "a > b"]
    assert torch.allclose(edge_weight_feature([0, 1]), torch.log1p(torch.tensor([0.0, 1.0])))
    assert relation_type_ids(["B", "A"], ["A", "B"]).tolist() == [1, 0]
    with pytest.raises(InputError, match="'C'"):
        relation_type_ids(["C"], ["A", "B"])
