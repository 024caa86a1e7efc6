"""Typed evaluation pieces: graph building, the per-type hold-out, content features, the structural
rule, and one small end-to-end run on a planted catalogue (no Neo4j: the graph is built from rows)."""

import random

import numpy as np
import pytest

from relmine.errors import InputError
from relmine.gnn.typed import (ContentFeatures, ModelSpec, best_threshold, build_typed_graph, evaluate_typed,
                                kind_score,
                               format_typed_table, plot_confusions, shared_levels, split_typed, structural_rule)


def planted(n_groups: int = 12, size: int = 6, seed: int = 0):
    """Groups of near-identical products (substitutes: viewed together, same leaf category, similar
    titles and prices); complements join products of paired groups (bought together, other leaf)."""
    rng = random.Random(seed)
    products, rels = [], []
    words = ["lens", "tripod", "bag", "card", "flash", "strap", "filter", "cable", "charger", "mount", "hood", "cap"]
    for g in range(n_groups):
        for i in range(size):
            products.append({"sku": f"g{g}-{i}", "title": f"{words[g % len(words)]} model {i} pro",
                             "description": f"a {words[g % len(words)]} for cameras",
                             "category": f"Photo > {'Optics' if g % 2 else 'Bags'} > {words[g % len(words)]}",
                             "price": 10.0 * (g + 1) + i})
    for g in range(n_groups):
        for i in range(size):
            for j in range(i + 1, size):
                if rng.random() < 0.6:
                    rels.append({"src": f"g{g}-{i}", "dst": f"g{g}-{j}", "type": "ALSO_VIEWED"})
        partner = g ^ 1
        for i in range(size):
            for j in range(size):
                if g < partner and rng.random() < 0.4:
                    rels.append({"src": f"g{g}-{i}", "dst": f"g{partner}-{j}", "type": "ALSO_BOUGHT"})
    return products, rels


def test_build_typed_graph_merges_pairs_and_refuses_untyped_data():
    products, rels = planted()
    rels = rels + [{"src": "g0-0", "dst": "g0-1", "type": "ALSO_BOUGHT"},   # the pair is now both kinds
                   {"src": "g0-1", "dst": "g0-0", "type": "ALSO_VIEWED"},   # reverse direction: same pair
                   {"src": "g0-0", "dst": "g0-0", "type": "ALSO_VIEWED"},   # self-loop: dropped
                   {"src": "g0-0", "dst": "nope", "type": "ALSO_VIEWED"},   # unknown product: dropped
                   {"src": "g0-0", "dst": "g1-1", "type": "RELATED"}]       # no kind: not typed
    g = build_typed_graph(products, rels)
    assert g.relation_types == ["ALSO_BOUGHT", "ALSO_VIEWED"]
    i, j = g.skus.index("g0-0"), g.skus.index("g0-1")
    k = next(n for n, (a, b) in enumerate(g.pairs.tolist()) if (a, b) == (min(i, j), max(i, j)))
    assert g.types[k] == {"ALSO_BOUGHT", "ALSO_VIEWED"} and g.kind_labels()[k] == -1
    assert all(a < b for a, b in g.pairs.tolist())
    with pytest.raises(InputError, match="no typed relations"):
        build_typed_graph(products, [{"src": "g0-0", "dst": "g0-1", "type": "RELATED"}])


def test_split_holds_out_the_share_of_every_type():
    g = build_typed_graph(*planted())
    s = split_typed(g, seed=3, test_ratio=0.2, val_ratio=0.1)
    assert len(set(s.train) | set(s.val) | set(s.test)) == len(g.pairs)
    assert not (set(s.train) & set(s.test)) and not (set(s.val) & set(s.test))
    for t in g.relation_types:
        has = np.array([t in ts for ts in g.types])
        assert abs(has[s.test].sum() / has.sum() - 0.2) < 0.02, t
    assert split_typed(g, seed=3).test.tolist() == split_typed(g, seed=3).test.tolist()
    with pytest.raises(InputError, match="bad hold-out"):
        split_typed(g, seed=0, test_ratio=0.9, val_ratio=0.2)


def test_content_features_by_hand():
    products = [{"title": "red lens", "category": "A > B > C", "categories": ["A > B > C", "X > Y"], "price": 10},
                {"title": "red lens", "category": "A > B > D", "price": 20},
                {"title": "blue bag", "category": "X > Y > Z", "price": None}]
    assert shared_levels(products[0], products[1]) == 2 and shared_levels(products[0], products[2]) == 2
    f = ContentFeatures(products)(np.array([[0, 1], [1, 2]]))
    assert f[0, 0] == pytest.approx(1.0) and f[1, 0] == pytest.approx(0.0)        # title cosine
    assert f[0, 2] == 2 and f[0, 3] == pytest.approx(2 / 3)                      # shared levels, share
    assert f[0, 4] == pytest.approx(0.5) and f[0, 5] == 0 and f[1, 5] == 1       # price ratio, missing


def test_structural_rule_and_threshold():
    products = [{"sku": str(i)} for i in range(6)]
    rels = [{"src": "0", "dst": "1", "type": "ALSO_VIEWED"}, {"src": "1", "dst": "2", "type": "ALSO_VIEWED"},
            {"src": "3", "dst": "4", "type": "ALSO_BOUGHT"}, {"src": "4", "dst": "5", "type": "ALSO_BOUGHT"}]
    g = build_typed_graph([{"sku": f"p{i}"} for i in range(30)] + products,
                          rels + [{"src": f"p{i}", "dst": f"p{i + 1}", "type": t}
                                  for i in range(29) for t in (["ALSO_VIEWED"] if i % 2 else ["ALSO_BOUGHT"])])
    idx = {s: i for i, s in enumerate(g.skus)}
    train = np.arange(len(g.pairs))
    asked = np.array([[idx["0"], idx["2"]], [idx["3"], idx["5"]]])
    # 0 and 2 are both viewed with 1 -> substitute; 3 and 5 are only bought with 4 -> complement
    assert structural_rule(g, train, asked).tolist() == [1, 0]
    # probabilities all below 0.5 but ranked right: the threshold moves between the classes
    t = best_threshold(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 0, 1, 1]))
    assert 0.2 < t <= 0.3


def test_confusion_titles_name_the_data_set_without_extensions():
    from relmine.gnn.typed import _short_name

    assert _short_name("meta_Gift_Cards.json.gz") == "meta_Gift_Cards"
    assert _short_name("/data/meta_Digital_Music_2014_head.json.gz") == "meta_Digital_Music_2014_head"
    assert _short_name("x" * 40) == "x" * 27 + "…"


def test_kind_score_by_hand():
    exist = np.array([0.9, 0.8, 0.6, 0.05])
    p_kind = np.array([0.5, 0.2, 0.9, 1.0])
    # at least as likely this kind: the existence probability; the other kind likelier: lowered by the odds
    assert kind_score(exist, p_kind) == pytest.approx([0.9, 0.8 * 0.25, 0.6, 0.05])
    # a pair of both kinds (head at 0.5) is no longer ranked below a non-edge the head calls this kind
    # (the plain product gave 0.9 * 0.5 = 0.45 against 0.5)
    assert kind_score(np.array([0.9]), np.array([0.5]))[0] > kind_score(np.array([0.5]), np.array([1.0]))[0]


def test_small_end_to_end_run(tmp_path):
    g = build_typed_graph(*planted())
    rep = evaluate_typed(g, [0], ModelSpec(epochs=3, hidden=16, device="cpu"), dataset="planted")
    s = rep.summary
    for m in ("majority", "content", "structural", "model"):
        assert 0 <= s[m]["accuracy"][0] <= 1 and 0 <= s[m]["macro_f1"][0] <= 1
    # the majority kind predicts one class: macro-F1 is half its class's F1, below 0.5
    assert s["majority"]["macro_f1"][0] < 0.5
    # planted substitutes share leaf category, title words and price: content separates them
    assert s["content"]["macro_f1"][0] > 0.9
    out = rep.outcomes[0]
    assert set(out.hits["model"]) == {f"{t} hits@{k}" for t in g.relation_types for k in (20, 50)}
    assert sum(map(sum, out.confusion["model"])) == out.held_out["classified"]
    table = format_typed_table(rep)
    assert "macro-F1" in table and "ALSO_VIEWED hits@50" in table
    plot_confusions(tmp_path / "c.png", [rep])
    assert (tmp_path / "c.png").stat().st_size > 5000
