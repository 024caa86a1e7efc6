"""The in-process miner equals mlxtend 0.25 (itemsets, rules and every metric)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmine.errors import InputError
from relmine.rules.mining import Baskets, association_rules, frequent_itemsets
from tests.conftest import data_file

mlxtend = pytest.importorskip("mlxtend", reason="mlxtend (dev extra) is the reference implementation")
from mlxtend.frequent_patterns import apriori  # noqa: E402
from mlxtend.frequent_patterns import association_rules as mlx_rules  # noqa: E402
from mlxtend.preprocessing import TransactionEncoder  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # mlxtend divides by zero in metrics we do not compare

METRICS = ["antecedent_support", "consequent_support", "support", "confidence", "lift", "leverage", "conviction"]
MLX = {"antecedent_support": "antecedent support", "consequent_support": "consequent support"}


def read_groceries(strip: bool = True) -> list[list[str]]:
    """Groceries baskets; item names stripped (two carry a trailing space; none collide once stripped)."""
    path = data_file("groceries.csv")
    with open(path, encoding="utf-8") as fh:
        return [[i.strip() if strip else i for i in line.rstrip("\r\n").split(",")] for line in fh if line.strip()]


def mlxtend_reference(baskets, min_support, min_confidence):
    te = TransactionEncoder()
    df = pd.DataFrame(te.fit(baskets).transform(baskets), columns=te.columns_)
    itemsets = apriori(df, min_support=min_support, use_colnames=True)
    if itemsets.empty:
        return {}, {}
    rules = mlx_rules(itemsets, metric="confidence", min_threshold=min_confidence)
    sets = dict(zip(itemsets["itemsets"], itemsets["support"]))
    by_rule = {}
    for row in rules.to_dict("records"):
        by_rule[(frozenset(row["antecedents"]), frozenset(row["consequents"]))] = {
            m: float(row[MLX.get(m, m)]) for m in METRICS}
    return sets, by_rule


def ours(baskets, min_support, min_confidence):
    itemsets = frequent_itemsets(Baskets.from_lists(baskets), min_support)
    rules = association_rules(itemsets, min_confidence)
    sets = dict(itemsets.as_records())
    by_rule = {(frozenset(r.antecedent), frozenset(r.consequent)): {m: getattr(r, m) for m in METRICS}
               for r in rules}
    return sets, by_rule


def assert_same(a, b, tol=1e-9):
    sets_a, rules_a = a
    sets_b, rules_b = b
    assert set(sets_a) == set(sets_b)
    for key, sup in sets_a.items():
        assert sets_b[key] == pytest.approx(sup, abs=tol)
    assert set(rules_a) == set(rules_b)
    for key, metrics in rules_a.items():
        for m, v in metrics.items():
            w = rules_b[key][m]
            if math.isinf(v) or math.isinf(w):
                assert v == w, (key, m)
            else:
                assert w == pytest.approx(v, abs=tol, rel=tol), (key, m, v, w)


def test_groceries_equals_mlxtend():
    baskets = read_groceries()
    mine = ours(baskets, 0.006, 0.25)
    ref = mlxtend_reference(baskets, 0.006, 0.25)
    assert len(mine[0]) == 747
    assert len(mine[1]) == 467
    assert sum(len(c) == 1 for _, c in mine[1]) == 463
    assert_same(ref, mine)


def test_stripping_names_changes_no_count():
    """Stripping the two trailing spaces renames items but changes no support."""
    raw = ours(read_groceries(strip=False), 0.006, 0.25)
    stripped = ours(read_groceries(strip=True), 0.006, 0.25)
    assert sorted(raw[0].values()) == sorted(stripped[0].values())
    assert {frozenset(i.strip() for i in s) for s in raw[0]} == set(stripped[0])
    assert any("cream cheese " in s for s in raw[0])


@settings(max_examples=40, deadline=None)
@given(
    baskets=st.lists(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=6, unique=True),
                     min_size=1, max_size=40),
    min_support=st.sampled_from([0.05, 0.1, 0.2, 0.34, 0.5, 1.0]),
    min_confidence=st.sampled_from([0.0, 0.3, 0.6, 1.0]),
)
def test_random_baskets_equal_mlxtend(baskets, min_support, min_confidence):
    assert_same(mlxtend_reference(baskets, min_support, min_confidence), ours(baskets, min_support, min_confidence))


def test_metrics_by_hand():
    baskets = [["a", "b"], ["a", "b"], ["a"], ["c"]]
    rules = association_rules(frequent_itemsets(Baskets.from_lists(baskets), 0.5), 0.0)
    by = {(r.antecedent, r.consequent): r for r in rules}
    ab, ba = by[("a",), ("b",)], by[("b",), ("a",)]
    assert ab.support == 0.5 and ab.confidence == pytest.approx(2 / 3) and ab.lift == pytest.approx(4 / 3)
    assert ab.leverage == pytest.approx(0.5 - 0.75 * 0.5)
    assert ab.conviction == pytest.approx((1 - 0.5) / (1 - 2 / 3))
    assert ba.confidence == 1.0 and math.isinf(ba.conviction) and ba.as_dict()["conviction"] is None
    assert ab.count == 2


def test_max_len_and_bits():
    baskets = [["a", "b", "c"]] * 3 + [["a"]]
    enc = Baskets.from_lists(baskets)
    assert enc.items == ("a", "b", "c") and enc.counts().tolist() == [4, 3, 3]
    full = frequent_itemsets(enc, 0.5)
    assert [lv.shape for lv in full.levels] == [(3, 1), (3, 2), (1, 3)]
    assert [lv.shape[1] for lv in frequent_itemsets(enc, 0.5, max_len=2).levels] == [1, 2]
    # more than 64 baskets spans several words
    big = Baskets.from_lists([["x", "y"]] * 130 + [["x"]] * 70)
    assert big.bits.shape == (2, 4) and big.counts().tolist() == [200, 130]


@pytest.mark.parametrize("value", [0, -0.1, 1.5, float("nan"), "abc"])
def test_bad_min_support(value):
    with pytest.raises(InputError, match="min_support"):
        frequent_itemsets(Baskets.from_lists([["a"]]), value)


@pytest.mark.parametrize("value", [-0.01, 1.01])
def test_bad_min_confidence(value):
    itemsets = frequent_itemsets(Baskets.from_lists([["a", "b"]]), 0.5)
    with pytest.raises(InputError, match="min_confidence"):
        association_rules(itemsets, value)


def test_empty_baskets():
    itemsets = frequent_itemsets(Baskets.from_lists([]), 0.5)
    assert len(itemsets) == 0 and association_rules(itemsets, 0.5) == []
    assert np.asarray(Baskets.from_lists([[]]).bits).shape[0] == 0
