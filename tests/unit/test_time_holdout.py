"""The time holdout (issue 26 item 2): a run learns from the past and is scored on the pairs first seen after it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from relmine.errors import InputError
from relmine.learn.pull import LearningGraph, choose_holdout, split_relations, time_roles, undirected
from relmine.learn.spec import TrainSpec

DAY = 86_400 * 1_000_000  # epoch microseconds, as ingest stores r.first_seen


def test_a_pair_is_first_seen_at_the_earlier_of_its_directions_and_unknown_stays_unknown():
    src, dst = np.array([0, 1, 2, 3, 1]), np.array([1, 0, 3, 2, 2])
    seen = np.array([5 * DAY, 3 * DAY, -1, 7 * DAY, -1])
    pairs, types, weights, first = undirected(src, dst, np.zeros(5, dtype=np.int64), np.ones(5, dtype=np.float32),
                                              4, first_seen=seen)
    assert pairs.tolist() == [[0, 1, 2], [1, 2, 3]]
    assert first.tolist() == [3 * DAY, -1, 7 * DAY]  # (0,1): the earlier; (1,2): none known; (2,3): the known one


def test_the_latest_window_is_the_test_and_the_one_before_it_validation():
    first = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1, 10]) * DAY
    first[10] = -1
    role, windows = time_roles(first, val_ratio=0.2, test_ratio=0.2)
    # 11 timed pairs: test about 2 (from day 10: both pairs of day 10), validation about 2 (days 8 and 9)
    assert role.tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 2]
    assert windows["val_from"] == "1970-01-09T00:00:00" and windows["test_from"] == "1970-01-11T00:00:00"
    assert windows["test_to"] == "1970-01-11T00:00:00" and windows["timed_pairs"] == 11


def test_times_that_cannot_make_two_windows_are_refused_with_the_way_out():
    with pytest.raises(InputError, match="--holdout random"):
        time_roles(np.full(30, 5 * DAY), val_ratio=0.05, test_ratio=0.1)
    with pytest.raises(InputError, match="too few for a time holdout"):
        time_roles(np.array([DAY, 2 * DAY, -1, -1]), val_ratio=0.3, test_ratio=0.3)


def test_auto_takes_time_where_most_pairs_carry_one_and_time_needs_some():
    assert choose_holdout("auto", np.array([DAY, 2 * DAY, -1])) == "time"
    assert choose_holdout("auto", np.array([DAY, -1, -1])) == "random"
    assert choose_holdout("random", np.array([DAY, 2 * DAY])) == "random"
    with pytest.raises(InputError, match="no relation carries a first-seen time"):
        choose_holdout("time", np.array([-1, -1]))
    with pytest.raises(InputError, match="holdout must be one of"):
        choose_holdout("future", np.array([DAY]))


def _graph(with_time: bool) -> LearningGraph:
    rng = np.random.default_rng(0)
    n = 60
    keys = np.unique(rng.choice(n * n, 500, replace=False))
    lo, hi = np.minimum(keys // n, keys % n), np.maximum(keys // n, keys % n)
    ok = lo != hi
    pairs = np.unique(np.stack([lo[ok], hi[ok]]), axis=1)
    p = pairs.shape[1]
    first = np.arange(p, dtype=np.int64) * DAY if with_time else None  # pair j first seen on day j
    return LearningGraph([f"s{i}" for i in range(n)], torch.zeros(n, 4), pairs, np.zeros(p, dtype=np.int64),
                         np.ones(p, dtype=np.float32), "hashed", first_seen=first)


def test_a_time_split_trains_on_the_past_and_holds_out_the_future():
    lg = _graph(with_time=True)
    n, p = lg.num_nodes, lg.pairs.shape[1]
    split = split_relations(lg, seed=1, val_ratio=0.1, test_ratio=0.2, holdout="auto")
    day = {int(k): j for j, k in enumerate(lg.pairs[0] * n + lg.pairs[1])}
    days = lambda t: sorted(day[int(k)] for k in (t[0] * n + t[1]))  # noqa: E731
    n_test, n_val = round(0.2 * p), round(0.1 * p)
    assert days(split.test_pos) == list(range(p - n_test, p))
    assert days(split.val_pos) == list(range(p - n_test - n_val, p - n_test))
    assert np.flatnonzero(split.train).tolist() == list(range(p - n_test - n_val))  # the past only
    assert split.held_out["holdout"] == "time" and split.held_out["test_pairs"] == n_test
    assert split.held_out["test_from"] < split.held_out["test_to"]
    # the same seed gives the same split; the seed moves only the negatives in a time split
    again, other = split_relations(lg, seed=1, holdout="time"), split_relations(lg, seed=2, holdout="time")
    assert torch.equal(again.test_pos, other.test_pos) and not torch.equal(again.test_neg, other.test_neg)


def test_a_graph_without_time_keeps_the_random_split_it_always_had():
    lg = _graph(with_time=False)
    auto = split_relations(lg, seed=3, holdout="auto")
    plain = split_relations(lg, seed=3)
    assert auto.held_out["holdout"] == "random" and torch.equal(auto.test_pos, plain.test_pos)
    assert (auto.train == plain.train).all()
    with pytest.raises(InputError, match="no relation carries"):
        split_relations(lg, seed=3, holdout="time")


def test_runs_recorded_before_the_holdout_existed_resume_with_the_random_split_they_had():
    old = TrainSpec().to_json().replace('"holdout": "auto", ', "")
    assert '"holdout"' not in old
    assert TrainSpec.from_json(old).holdout == "random"
    assert TrainSpec().holdout == "auto"
    with pytest.raises(InputError, match="holdout must be"):
        TrainSpec(holdout="later")
