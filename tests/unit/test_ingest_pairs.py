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
        assert P.batch_pairs(batch) == sum(len(row[1]) for row in batch["rows"]) <= 2
        heads = [row[0] for row in batch["rows"]]
        assert len(heads) == len(set(heads))
        assert batch["times"] == []  # no basket had a time
        for head, targets, counts, weights, first, last in batch["rows"]:
            assert first == last == [None] * len(targets)
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


# -- first and last seen (issue 26 item 1) -----------------------------------------------------------------------
import numpy as np  # noqa: E402
from datetime import datetime  # noqa: E402


def brute_times(baskets, times):
    """(a, b) -> (earliest, latest) time of the baskets holding both; None where none had a time."""
    seen = {}
    for b, t in zip(baskets, times):
        for pair in itertools.combinations(sorted(set(b)), 2):
            lo, hi = seen.get(pair, (None, None))
            if t is not None:
                lo = t if lo is None or t < lo else lo
                hi = t if hi is None or t > hi else hi
            seen[pair] = (lo, hi)
    return seen


def test_time_code_is_exact_to_the_microsecond_before_and_after_1970():
    for when in (datetime(2010, 12, 1, 8, 26), datetime(2011, 1, 1, 10, 0, 0, 123456),
                 datetime(1969, 12, 31, 23, 59, 59, 500000), datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)):
        assert P.time_of(P.time_code(when)) == when
    assert P.time_code(None) == P.NO_FIRST and P.time_of(P.NO_FIRST) is None and P.time_of(P.NO_LAST) is None
    assert P.time_code(datetime(1970, 1, 1, 0, 0, 1)) == 1_000_000


def test_small_example_first_and_last_seen():
    from datetime import datetime as D

    pc = P.pair_counts([["b", "a", "c"], ["a", "b"], ["c", "a"], ["b", "a"]],
                       [D(2011, 1, 3), D(2011, 1, 1, 9, 30), None, D(2011, 2, 1)])
    assert pc.times() == {("a", "b"): (D(2011, 1, 1, 9, 30), D(2011, 2, 1)), ("a", "c"): (D(2011, 1, 3), D(2011, 1, 3)),
                          ("b", "c"): (D(2011, 1, 3), D(2011, 1, 3))}
    only_untimed = P.pair_counts([["x", "y"], ["x", "y"]], [None, None])
    assert only_untimed.times() == {("x", "y"): (None, None)} and only_untimed.as_dict() == {("x", "y"): (2, 2.0)}


def test_time_batch_sends_each_time_once_and_positions_per_pair():
    first = np.array([30, 10, P.NO_FIRST, 10])
    last = np.array([40, 30, P.NO_LAST, 10])
    times, f, l = P.time_batch(first, last)
    assert times == [10, 30, 40]
    assert [times[i] if i is not None else None for i in f] == [30, 10, None, 10]
    assert [times[i] if i is not None else None for i in l] == [40, 30, None, 10]


_times = st.one_of(st.none(), st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2030, 1, 1)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from("abcdefghijklmnop"), max_size=7), _times), max_size=40),
       st.integers(1, 6), st.integers(1, 30), st.booleans())
def test_min_and_max_times_survive_chunks_and_spills(tmp_path_factory, baskets, parts, chunk, spill):
    """Every partial reduce (a ``chunk`` of entries), the ranges on disk (``parts``) and the last reduce keep
    each pair's earliest and latest basket time, whichever chunk and range its baskets fall in; baskets
    without a time count but move neither."""
    skus = sorted({s for b, _ in baskets for s in b})
    index = {s: i for i, s in enumerate(skus)}
    old, P._CHUNK = P._CHUNK, chunk
    try:
        counter = P.PairCounter(skus, tmp_path_factory.mktemp("pairs") if spill else None, parts)
        for b, t in baskets:
            counter.add(np.array(sorted({index[s] for s in b}), dtype=np.int64), P.time_code(t))
        got = {}
        for part in counter.partitions():
            got.update(part.times())
            assert part.first.dtype == part.last.dtype == np.int64
    finally:
        P._CHUNK = old
    assert got == brute_times([b for b, _ in baskets], [t for _, t in baskets])


def test_one_huge_basket_reduced_on_its_own_keeps_its_time(monkeypatch):
    from datetime import datetime as D

    monkeypatch.setattr(P, "_CHUNK", 10)  # a 6-item basket (15 pairs) is over the buffer: reduced alone
    pc = P.pair_counts([list("abcdef"), ["a", "b"], list("abcdef")], [D(2011, 5, 1), D(2011, 1, 1), None])
    times = pc.times()
    assert times[("a", "b")] == (D(2011, 1, 1), D(2011, 5, 1))
    assert times[("e", "f")] == (D(2011, 5, 1), D(2011, 5, 1))
    assert pc.as_dict()[("e", "f")] == (2, 0.4)
