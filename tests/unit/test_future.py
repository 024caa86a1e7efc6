"""relmine.learn.future on a tiny hand-built shop: every top list and metric value worked out by hand.

Products 0..6, cutoff day 200 (recent window: days 110..199, popular window: days 170..199).

Before the cutoff (the graph; deg = distinct partners):
    day 10:  {0,1} {0,1,1} {1,2} {0,3} {3,4}      -> 0-1 twice, 1-2, 0-3, 3-4
    day 120: {1,5}   day 150: {4,5}   day 180: {2,5}
    deg: 0:2 (1,3)  1:3 (0,2,5)  2:2 (1,5)  3:2 (0,4)  4:2 (3,5)  5:3 (1,2,4)  6: not in the graph
Never bought together, with common neighbours (RA = sum 1/deg z):
    0-2 via 1 (1/3)  0-4 via 3 (1/2)  0-5 via 1 (1/3)  1-3 via 0 (1/2)  1-4 via 5 (1/3)  2-4 via 5 (1/3)
    3-5 via 4 (1/2)                                      (2-3: no common neighbour)
Recent graph (days 110..199): a star 5-{1,2,4}: recent RA 1/3 for 1-4 and 2-4 (1-2 was bought before).
Bought in days 170..199: 2 and 5 once each.

After the cutoff: {0,2} {0,2,6} {3,5} {3,5} {0,1} {0,1} {1,4} {2,6} {2,6} {2,3} {2,3}
Targets (new, both in the graph, >= 2 baskets): 0-2, 3-5, 2-3 (0-1 is old, 1-4 once, 2-6: 6 is new).
Sources with a target: 0 {2}, 2 {0,3}, 3 {2,5}, 5 {3}.
"""

import numpy as np
import pytest

from relmine.learn import future as F

N = 7
CUTOFF = 200
A = 1 / np.log2(3)  # the discount at rank 2

BASKETS = [  # (day, products)
    (10, [0, 1]), (10, [0, 1, 1]), (10, [1, 2]), (10, [0, 3]), (10, [3, 4]),
    (120, [1, 5]), (150, [4, 5]), (180, [2, 5]),
    (210, [0, 2]), (220, [0, 2, 6]), (230, [3, 5]), (240, [3, 5]), (250, [0, 1]), (251, [0, 1]), (260, [1, 4]),
    (270, [2, 6]), (271, [2, 6]), (280, [2, 3]), (281, [2, 3]),
]


def tables(as_dates: bool = False):
    basket = np.concatenate([[i] * len(items) for i, (_, items) in enumerate(BASKETS)])
    product = np.concatenate([items for _, items in BASKETS])
    day = np.concatenate([[d] * len(items) for d, items in BASKETS])
    if as_dates:
        return basket, product, np.datetime64("2020-01-01") + day, np.datetime64("2020-01-01") + CUTOFF
    return basket, product, day, CUTOFF


def baselines(as_dates: bool = False, **kw):
    basket, product, day, cutoff = tables(as_dates)
    return F.baselines(basket, product, day, N, cutoff, **kw)


def key(a, b):
    return min(a, b) * N + max(a, b)


TARGETS = np.array(sorted([key(0, 2), key(3, 5), key(2, 3)]))

LISTS = {  # product -> its top list (positive scores only; ties: lower index first)
    "ra": {0: [4, 2, 5], 1: [3, 4], 2: [0, 4], 3: [1, 5], 4: [0, 1, 2], 5: [3, 0]},
    "aa": {0: [4, 2, 5], 1: [3, 4], 2: [0, 4], 3: [1, 5], 4: [0, 1, 2], 5: [3, 0]},  # 1/ln 2 > 1/ln 3
    "cn": {0: [2, 4, 5], 1: [3, 4], 2: [0, 4], 3: [1, 5], 4: [0, 1, 2], 5: [0, 3]},  # every CN is 1
    # sum over z of count(x,z) * count(z,y): 0-2 and 0-5 go through 0-1, bought twice
    "cocount": {0: [2, 5, 4], 1: [3, 4], 2: [0, 4], 3: [1, 5], 4: [0, 1, 2], 5: [0, 3]},
    "recent_ra": {1: [4], 2: [4], 4: [1, 2]},
    # candidates by the partner's baskets in days 170..199 (2 and 5: one each), then RA
    "recent_popularity": {0: [2, 5, 4], 1: [3, 4], 2: [0, 4], 3: [5, 1], 4: [2, 0, 1], 5: [3, 0]},
}


def as_rows(lists: dict[int, list[int]], k: int = 10) -> list[list[int]]:
    return [lists.get(p, []) + [-1] * (k - len(lists.get(p, []))) for p in range(N)]


def test_targets_are_the_new_pairs_bought_twice_between_products_of_the_graph():
    basket, product, day, cutoff = tables()
    assert F.future_targets(basket, product, day, N, cutoff).tolist() == TARGETS.tolist()
    assert F.future_targets(basket, product, day, N, cutoff, min_count=1).tolist() == sorted(
        [key(0, 2), key(3, 5), key(2, 3), key(1, 4)])


def test_cocounts_count_each_basket_once():
    basket, product, day, _ = tables()
    before = day < CUTOFF
    c = F.cocounts(basket[before], product[before], N).toarray()
    assert c[0, 1] == c[1, 0] == 2  # {0,1} and {0,1,1}
    assert c[1, 2] == c[0, 3] == c[3, 4] == c[1, 5] == c[4, 5] == c[2, 5] == 1
    assert c.sum() == 2 * 8 and np.all(np.diag(c) == 0)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_baseline_top_list(name):
    bl = baselines()
    assert bl.top[name].tolist() == as_rows(LISTS[name])


def test_dates_blocks_and_the_sparse_path_give_the_same_lists():
    b0 = baselines()
    b1 = baselines(as_dates=True, block_cells=1, dense_max=0)  # one row a block, sparse products
    for name in LISTS:
        assert b1.top[name].tolist() == b0.top[name].tolist(), name
    assert b1.top["heuristic_reranker"].tolist() == b0.top["heuristic_reranker"].tolist()


def test_candidates_and_their_coverage():
    bl = baselines()
    s = bl.snapshot
    pairs = sorted(zip(s.cand_src.tolist(), s.cand_dst.tolist()))
    assert pairs == sorted((p, q) for p, qs in LISTS["ra"].items() for q in qs)  # recent RA adds no new pair
    f = dict(zip(F.FEATURES, s.features[pairs.index((1, 4))]))
    assert f["ra"] == pytest.approx(1 / 3) and f["aa"] == pytest.approx(1 / np.log(3)) and f["cn"] == 1
    assert f["cocount"] == 1 and f["recent_ra"] == pytest.approx(1 / 3) and f["recent_cn"] == 1
    assert (f["deg_src"], f["deg_dst"], f["pop_src"], f["pop_dst"]) == (3, 2, 0, 0)
    # trend = log((baskets in days 170..199 + 1) / (baskets in days 110..169 / 2 + 1)):
    # 3: none in either; 5: once, then twice before
    f = dict(zip(F.FEATURES, s.features[pairs.index((3, 5))]))
    assert f["trend_src"] == 0 and f["trend_dst"] == pytest.approx(np.log(2 / 2))
    f = dict(zip(F.FEATURES, s.features[pairs.index((0, 2))]))
    assert f["trend_dst"] == pytest.approx(np.log(2 / 1))  # 2: once in days 170..199, never in 110..169
    assert F.candidate_coverage(s.cand_src, s.cand_dst, TARGETS, N) == pytest.approx(2 / 3)  # 2-3 is out of reach


def test_the_reranker_without_positives_falls_back_to_resource_allocation():
    bl = baselines()
    # before day 110 the graph is 0-1, 1-2, 0-3, 3-4; days 110..199 hold each pair once: no label
    assert bl.train_cutoff == CUTOFF - 90 and bl.reranker.positives == 0
    assert bl.reranker.examples == 6  # its candidates: 0->2, 2->0 via 1; 0->4, 4->0 via 3; 1->3, 3->1 via 0
    assert np.all(bl.reranker.weights == 0)
    assert bl.top["heuristic_reranker"].tolist() == as_rows(LISTS["ra"])


def test_the_reranker_learns_the_feature_that_separates():
    rng = np.random.default_rng(0)
    x = np.abs(rng.normal(size=(400, len(F.FEATURES))))
    y = x[:, F.FEATURES.index("recent_ra")] > 1.0
    model = F.fit_reranker(x, y)
    assert model.positives == int(y.sum()) and model.examples == 400
    w = dict(zip(F.FEATURES, model.weights[1:]))
    assert w["recent_ra"] == max(w.values()) and w["recent_ra"] > 1
    s = model.score(x)
    assert s[y].min() > np.median(s[~y])


def test_metrics_by_hand():
    ra = np.array(as_rows(LISTS["ra"]))
    # hits: 0 -> 2 at rank 2; 2 -> 0 at rank 1 (of 2 targets); 3 -> 5 at rank 2 (of 2); 5 -> 3 at rank 1
    m = F.evaluate(ra, TARGETS)
    assert m["sources"] == 4
    assert m["precision@10"] == pytest.approx(0.1)
    assert m["recall@10"] == pytest.approx((1 + 0.5 + 0.5 + 1) / 4)
    # NDCG: A, 1/(1+A), A/(1+A), 1
    assert m["ndcg@10"] == pytest.approx((A + 1 / (1 + A) + A / (1 + A) + 1) / 4)
    # pairs: 0-2 0-4 0-5 1-3 1-4 2-4 3-5, two of them targets, of three targets
    assert (m["predicted_pairs"], m["hits"]) == (7, 2)
    assert m["pair_precision"] == pytest.approx(2 / 7) and m["pair_recall"] == pytest.approx(2 / 3)

    pop = F.evaluate(np.array(as_rows(LISTS["recent_popularity"])), TARGETS)
    assert pop["recall@10"] == pytest.approx(0.75)
    assert pop["ndcg@10"] == pytest.approx((1 + 1 / (1 + A) + 1 / (1 + A) + 1) / 4)

    recent = F.evaluate(np.array(as_rows(LISTS["recent_ra"])), TARGETS)  # no hit; 0, 3, 5 have no list
    assert (recent["precision@10"], recent["recall@10"], recent["ndcg@10"]) == (0, 0, 0)
    assert (recent["predicted_pairs"], recent["pair_precision"], recent["pair_recall"]) == (2, 0, 0)


def test_metrics_at_a_smaller_k_and_the_ideal_list():
    perfect = np.array(as_rows({0: [2], 2: [0, 3], 3: [2, 5], 5: [3]}, k=2))
    m = F.evaluate(perfect, TARGETS, k=2)
    assert m["precision@2"] == pytest.approx((0.5 + 1 + 1 + 0.5) / 4)
    assert m["recall@2"] == 1 and m["ndcg@2"] == pytest.approx(1)


def test_lists_from_ranked_pairs():
    src = np.array([0, 0, 0, 2, 2, 0])
    dst = np.array([3, 1, 4, 5, 6, 1])
    rank = np.array([2, 1, 3, 1, 1, 5])  # 0 -> 1 repeated: its best rank counts; 2: a tie, lower index first
    out = F.lists_from_ranked(src, dst, rank, N, k=2)
    assert out.tolist() == [[1, 3], [-1, -1], [5, 6], [-1, -1], [-1, -1], [-1, -1], [-1, -1]]
