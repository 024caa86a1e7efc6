"""Co-purchase pair counting (numpy) against a brute-force count."""

import itertools
from collections import Counter, defaultdict

from hypothesis import given, settings, strategies as st

from relmine.ingest import pairs as P


def brute(baskets):
    count, weight = Counter(), defaultdict(float)
    for b in baskets:
        items = sorted(set(b))
        for x, y in itertools.combinations(items, 2):
            count[(x, y)] += 1
            weight[(x, y)] += 1 / (len(items) - 1)
    return {k: (count[k], weight[k]) for k in count}


def test_small_example_canonical_direction_and_weights():
    pc = P.pair_counts([["b", "a", "c"], ["a", "b"], ["c"], ["b", "b", "a"]])
    got = {k: (c, round(w, 6)) for k, (c, w) in pc.as_dict().items()}
    assert got == {("a", "b"): (3, 2.5), ("a", "c"): (1, 0.5), ("b", "c"): (1, 0.5)}
    assert [r[:2] for r in pc.rows()] == [["a", "b"], ["a", "c"], ["b", "c"]]
    assert P.item_order_counts([["b", "a", "c"], ["a", "b"], ["c"], ["b", "b"]]) == [["a", 2], ["b", 3], ["c", 2]]


def test_no_pairs():
    pc = P.pair_counts([["a"], [], ["b", "b"]])
    assert len(pc) == 0 and list(pc.rows()) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefghij"), max_size=7), max_size=40))
def test_matches_brute_force(baskets):
    got = P.pair_counts(baskets).as_dict()
    want = brute(baskets)
    assert got.keys() == want.keys()
    for k in want:
        assert got[k][0] == want[k][0]
        assert abs(got[k][1] - want[k][1]) < 1e-9


def test_chunked_reduction_gives_the_same_counts(monkeypatch):
    baskets = [[f"p{(i * 7 + j) % 30}" for j in range(i % 9)] for i in range(300)]
    whole = P.pair_counts(baskets).as_dict()
    monkeypatch.setattr(P, "_CHUNK", 50)  # many partial reductions, then a final one
    chunked = P.pair_counts(baskets).as_dict()
    want = brute(baskets)
    assert whole.keys() == chunked.keys() == want.keys()
    for k, (count, weight) in want.items():
        assert whole[k][0] == chunked[k][0] == count
        assert abs(whole[k][1] - weight) < 1e-9 and abs(chunked[k][1] - weight) < 1e-9


def test_grouped_batches_hold_every_pair_once_grouped_by_the_lower_sku():
    from relmine.ingest.pairs import pair_counts

    pairs = pair_counts([["a", "b", "c"], ["a", "b"], ["b", "c", "d"], ["c", "d"]])
    flat = {}
    for batch in pairs.grouped_batches(2):
        assert sum(len(row[1]) for row in batch) <= 2
        heads = [row[0] for row in batch]
        assert len(heads) == len(set(heads))
        for head, targets, counts, weights in batch:
            for t, c, w in zip(targets, counts, weights):
                assert (head, t) not in flat
                flat[(head, t)] = (c, w)
    assert flat == pairs.as_dict()
    assert flat[("a", "b")][0] == 2 and flat[("c", "d")][0] == 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefghijklmnop"), max_size=7), max_size=40),
       st.integers(1, 6), st.integers(1, 30))
def test_spilled_partitions_hold_every_pair_once_in_order(tmp_path_factory, baskets, parts, chunk):
    """PairCounter with a folder: ``parts`` ranges on disk, flushed every ``chunk`` entries, give the
    same pairs as the brute count, each once, in (a, b) order across the ranges."""
    import numpy as np

    skus = sorted({s for b in baskets for s in b})
    index = {s: i for i, s in enumerate(skus)}
    old, P._CHUNK = P._CHUNK, chunk
    try:
        counter = P.PairCounter(skus, tmp_path_factory.mktemp("pairs"), parts)
        for b in baskets:
            counter.add(np.array(sorted({index[s] for s in b}), dtype=np.int64))
        got = [row for part in counter.partitions() for row in part.rows()]
    finally:
        P._CHUNK = old
    assert [tuple(r[:2]) for r in got] == sorted(brute(baskets))
    want = brute(baskets)
    assert {(r[0], r[1]): (r[2], round(r[3], 9)) for r in got} == {k: (c, round(w, 9)) for k, (c, w) in want.items()}
