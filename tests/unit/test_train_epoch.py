"""A training epoch of a bounded number of positives (``TrainConfig.epoch_positives``)."""

from __future__ import annotations

import pytest
import torch

from relmine.gnn.model import GATLinkPredictor
from relmine.gnn.train import TrainConfig, epoch_shares, train
from tests.unit.test_gnn_model import toy_graph

CFG = dict(epochs=3, batch_size=16, lr=0.01, progress=False, patience=100)


def _fit(data, checkpoint=None, on_epoch=None, on_step=None, **cfg):
    torch.manual_seed(123)
    model = GATLinkPredictor(8, 16, heads=2, num_relations=3)
    result = train(model, data if isinstance(data, list) else [data], TrainConfig(**{**CFG, **cfg}),
                   checkpoint=checkpoint, on_epoch=on_epoch, on_step=on_step)
    return model, result


def _same(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


def test_epoch_shares():
    assert epoch_shares([100, 50], 0) == [100, 50]
    assert epoch_shares([100, 50], 150) == [100, 50]   # covers every pair: the whole sweep
    assert epoch_shares([100, 50], 1000) == [100, 50]
    assert epoch_shares([100, 50], 30) == [20, 10]     # in proportion
    assert epoch_shares([1000, 1, 0], 10) == [10, 1, 0]  # a partition with pairs trains on one at least


def test_an_epoch_covering_every_pair_trains_exactly_as_a_full_sweep():
    data = toy_graph()  # 116 target pairs
    full, rf = _fit(data)
    capped, rc = _fit(data, epoch_positives=10_000)
    assert [s.loss for s in rf.history] == [s.loss for s in rc.history]
    assert _same(full, capped)


def test_a_smaller_epoch_trains_on_that_many_positives():
    data = toy_graph()
    steps: list[tuple[int, int]] = []
    _, result = _fit(data, epoch_positives=40, on_step=lambda seen, total: steps.append((seen, total)))
    # 40 positives an epoch, in batches of 16: 16, 32, 40, three steps an epoch
    assert steps == [(16, 40), (32, 40), (40, 40)] * 3
    assert result.epochs_run == 3
    _, full = _fit(data)
    assert [s.loss for s in result.history] != [s.loss for s in full.history]


def test_small_epochs_differ_from_epoch_to_epoch_and_resume_exactly(tmp_path):
    data = toy_graph()
    full, full_result = _fit(data, epoch_positives=40)

    class Crash(Exception):
        pass

    def crash_after_second(stats):
        if stats.epoch == 1:
            raise Crash

    ckpt = tmp_path / "run.pt"
    with pytest.raises(Crash):
        _fit(data, checkpoint=ckpt, on_epoch=crash_after_second, epoch_positives=40)
    resumed, result = _fit(data, checkpoint=ckpt, epoch_positives=40)
    assert result.resumed_from == 1
    assert [s.loss for s in result.history] == [s.loss for s in full_result.history]
    assert _same(full, resumed)
    # the epoch's size is a setting of the run: a checkpoint does not resume under another one
    with pytest.raises(ValueError, match="other settings"):
        _fit(data, checkpoint=ckpt, epoch_positives=0)


def test_a_checkpoint_from_before_epoch_positives_resumes_only_as_full_sweeps(tmp_path):
    data = toy_graph()
    ckpt = tmp_path / "run.pt"
    _fit(data, checkpoint=ckpt, epochs=2)
    state = torch.load(ckpt, weights_only=True)
    del state["config"]["epoch_positives"]  # written before the setting existed
    torch.save(state, ckpt)
    _, result = _fit(data, checkpoint=ckpt, epochs=3)
    assert result.resumed_from == 1 and result.epochs_run == 3
    with pytest.raises(ValueError, match="other settings"):
        _fit(data, checkpoint=ckpt, epochs=4, epoch_positives=40)


def test_partitions_share_the_epoch_in_proportion():
    parts = [toy_graph(seed=1), toy_graph(seed=2, m=60)]
    steps: list[tuple[int, int]] = []
    _fit(parts, epochs=1, batch_size=1000, epoch_positives=60, on_step=lambda s, t: steps.append((s, t)))
    sizes = [p.edge_index.size(1) // 2 for p in parts]
    shares = epoch_shares(sizes, 60)
    assert sum(shares) == steps[-1][1] and len(steps) == 2
    assert sorted(b[0] - a[0] for a, b in zip([(0, 0)] + steps, steps)) == sorted(shares)


def test_a_dense_partition_steps_on_node_wide_samples_and_a_sparse_one_on_the_whole_graph():
    from relmine.gnn.train import _Partition

    data = toy_graph()  # 116 pairs over 40 nodes: mean degree 5.8
    whole = _Partition(data, "cpu", dense_fanout=0)
    assert not whole.sampled and whole.cap is None
    assert not _Partition(data, "cpu", dense_fanout=8).sampled   # not denser than 8 a node
    dense = _Partition(data, "cpu", dense_fanout=3)
    assert dense.sampled and dense.cap == 3 and not dense.seeded
    # over the step budget too: the smaller of the two caps
    assert _Partition(data, "cpu", budget=150, dense_fanout=3).cap == 2
    # a dense graph trains (deterministically) on its samples; the cap changes what it learns
    a, ra = _fit(data, dense_fanout=3)
    b, rb = _fit(data, dense_fanout=3)
    _, rw = _fit(data)
    assert [s.loss for s in ra.history] == [s.loss for s in rb.history] != [s.loss for s in rw.history]
    assert _same(a, b)


def test_the_sparse_vote_sum_equals_a_sum_per_incidence():
    from relmine.gnn.model import _sum_votes

    g = torch.Generator().manual_seed(0)
    pair = torch.sort(torch.randint(0, 50, (400,), generator=g)).values
    which = torch.randint(0, 30, (400,), generator=g)
    # within a pair the voters ascend, as common_neighbors gives them
    which = which[torch.argsort(pair * 30 + which, stable=True)]
    vote = torch.randn(30, 8, generator=g, requires_grad=True)
    got = _sum_votes(pair, which, vote, 60)
    want = vote.new_zeros(60, 8).index_add(0, pair, vote.index_select(0, which))
    assert torch.allclose(got, want, atol=1e-5)
    (ga,) = torch.autograd.grad(got.square().sum(), vote)
    (gb,) = torch.autograd.grad(want.square().sum(), vote)
    assert torch.allclose(ga, gb, atol=1e-4)
    assert _sum_votes(pair[:0], which[:0], vote, 5).abs().sum() == 0


def test_the_recipe_bounds_epochs_and_steps_on_dense_graphs_only():
    from relmine.gnn import recipe

    config = recipe.train_config(progress=False)
    assert config.epoch_positives == recipe.TRAIN["epoch_positives"] > 0
    assert config.dense_fanout == recipe.TRAIN["dense_fanout"] > 0
