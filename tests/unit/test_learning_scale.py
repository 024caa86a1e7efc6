"""Bounded-memory learning: exact layer-wise encoding, sampled steps, walked paths3, the filter, the recipe."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch_geometric.data import Data

import relmine.gnn.edges as graph_mod
from relmine.errors import InputError
from relmine.gnn import recipe
from relmine.gnn.model import GATLinkPredictor
from relmine.gnn.sampling import InEdges, encode_layerwise, node_wide_fanout, sampled_edges
from relmine.gnn.train import PairSet, TrainConfig, _Partition, _step_edges, embed, train
from relmine.learn.pull import LearningGraph, RelationFilter, significant, split_relations, undirected
from relmine.learn.spec import TrainSpec


def random_graph(n=300, e=2500, types=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    src, dst = torch.randint(0, n, (e,), generator=g), torch.randint(0, n, (e,), generator=g)
    keep = src != dst
    ei = torch.stack([src[keep], dst[keep]])
    ei = torch.cat([ei, ei.flip(0)], 1)
    et = torch.randint(0, types, (ei.size(1) // 2,), generator=g)
    return ei, torch.cat([et, et]), torch.randn(n, 12, generator=g)


@pytest.mark.parametrize("conv", ["gatv2", "gat"])
def test_layerwise_encoding_equals_the_whole_graph_for_every_node(conv):
    ei, et, x = random_graph()
    torch.manual_seed(1)
    model = GATLinkPredictor(12, 16, heads=2, num_relations=3, conv=conv).eval()
    with torch.no_grad():
        whole = model.encode(x, ei, et)
        attention = model.attention(x, ei, et)
    # a budget far below the graph: dozens of target blocks, each with sources outside it
    h, att = encode_layerwise(model, x, ei, et, budget=400, attention=True)
    assert len(InEdges(ei, x.size(0)).blocks(400)) > 10
    assert torch.allclose(h, whole, atol=1e-5)
    assert torch.allclose(att, attention, atol=1e-6)
    # embed() switches to it above its budget and gives the same values
    data = Data(x=x, edge_index=ei, edge_type=et, num_nodes=x.size(0))
    assert torch.allclose(embed(model, data, "cpu", budget=400), whole, atol=1e-5)


def test_sampling_keeps_at_most_fanout_edges_per_node_and_all_of_small_ones():
    ei, _, x = random_graph()
    ins = InEdges(ei, x.size(0))
    nodes = torch.arange(50)
    picked = ins.sample(nodes, 4)
    dst = ei[1, picked]
    counts = torch.bincount(dst, minlength=x.size(0))[:50]
    deg = torch.bincount(ei[1], minlength=x.size(0))[:50]
    assert bool((counts <= 4).all()) and bool((counts[deg <= 4] == deg[deg <= 4]).all())
    assert bool((counts >= 1).all())
    two_hops = sampled_edges(ins, torch.tensor([0, 1]), (3, 2))
    assert 0 < two_hops.numel() <= 2 * 3 + 2 * 3 * 2


def test_node_wide_fanout_is_the_largest_cap_within_the_budget():
    deg = torch.tensor([1, 2, 5, 10, 20])  # cost(f) = sum(min(deg, f)) + 5 nodes
    assert node_wide_fanout(deg, 5 + 1 + 2 + 3 * 3, least=2) == 3
    assert node_wide_fanout(deg, 5 + 1 + 2 + 5 + 2 * 7, least=2) == 7
    assert node_wide_fanout(deg, 5 + 1 + 2 + 3 * 3, least=4) is None   # cost(4) = 20 > 17
    assert node_wide_fanout(deg, 10**6, least=2) == 20                  # no larger cap changes anything


@pytest.mark.parametrize("least, seeded", [(2, False), (10, True)])
def test_a_graph_over_the_step_budget_trains_on_sampled_subgraphs_and_learns(least, seeded):
    ei, _, x = random_graph(n=200, e=1500, types=1)
    data = Data(x=x, edge_index=ei, num_nodes=200)
    split = graph_mod.split_edges(data, seed=0)
    g = split.graph.clone()
    g.target_index = split.train_pos
    torch.manual_seed(0)
    model = GATLinkPredictor(12, 16, heads=2, use_edge_weight=False)
    config = TrainConfig(epochs=6, batch_size=512, max_step_edges=1500, progress=False, patience=6, least_fanout=least)
    # 2,432 directed edges: a node-wide sample of up to 6 per node fits 1,500; one of 10 does not
    assert _Partition(g, "cpu", 1500, least).seeded is seeded
    seen = []
    result = train(model, [g], config, val=PairSet(split.graph, split.val_pos, split.val_neg),
                   on_step=lambda done, total: seen.append((done, total)))
    assert result.history[-1].loss < result.history[0].loss
    assert seen and seen[-1][0] == seen[-1][1] == split.train_pos.size(1)


def test_paths3_walked_per_pair_equals_the_indexed_one(monkeypatch):
    ei, _, _ = random_graph(n=150, e=1200)
    pairs = torch.cat([ei[:, :300], torch.randint(0, 150, (2, 300))], 1)
    indexed = graph_mod.Adjacency(ei, 150).paths3(pairs[0], pairs[1])
    monkeypatch.setattr(graph_mod, "PATHS3_INDEX_LIMIT", 0)
    walked_adj = graph_mod.Adjacency(ei, 150)
    walked = walked_adj.paths3(pairs[0], pairs[1])
    assert walked_adj._paths3 is None  # the index was never built
    assert torch.allclose(indexed, walked, atol=1e-5)
    out = torch.zeros(pairs.size(1))
    i, j = walked_adj._lower_degree_first(pairs[0], pairs[1])
    dinv = walked_adj.deg.clamp(min=1).float().rsqrt()
    walked_adj._paths3_walk(i, j, dinv, out, chunk=7)  # many tiny chunks: the same sums
    whole = torch.zeros(pairs.size(1))
    walked_adj._paths3_walk(i, j, dinv, whole)
    assert torch.allclose(out, whole, atol=1e-5)
    # too dense to walk: the feature is off (zeros), said once
    monkeypatch.setattr(graph_mod, "PATHS3_WALK_LIMIT", 0)
    dense = graph_mod.Adjacency(ei, 150)
    with pytest.warns(UserWarning, match="3-path feature off"):
        assert dense.paths3_mode() == "off"
    assert (dense.paths3(pairs[0], pairs[1]) == 0).all()


def test_the_filter_keeps_the_top_k_of_either_end_and_the_min_count():
    # product 0 relates to 1..6 with strengths 6..1; products 1..6 have no other relation
    src = np.zeros(6, dtype=np.int64)
    dst = np.arange(1, 7)
    pairs, types, weights = undirected(src, dst, np.zeros(6, dtype=np.int64), np.arange(6, 0, -1).astype(np.float32), 7)
    # every relation is the only one (top 1) of its other product: all kept
    assert significant(pairs, types, weights, 7, RelationFilter(top_k=1)).all()
    # add 1-2 (strength 9): product 1's top 1 is now 2, and 0-1 survives only through product 0's top 2
    pairs2, types2, weights2 = undirected(np.r_[src, 1], np.r_[dst, 2], np.zeros(7, dtype=np.int64),
                                          np.r_[np.arange(6, 0, -1), 9].astype(np.float32), 7)
    keep = significant(pairs2, types2, weights2, 7, RelationFilter(top_k=1))
    kept = {(int(a), int(b)) for a, b, k in zip(pairs2[0], pairs2[1], keep) if k}
    assert (0, 1) in kept and (1, 2) in kept  # 0-1 is product 0's strongest
    assert (0, 2) not in kept  # neither 0's nor 2's strongest
    # equal strengths everywhere (no counts): nothing to rank by, top_k keeps every relation
    assert significant(pairs2, types2, np.ones(7, dtype=np.float32), 7, RelationFilter(top_k=1)).all()
    assert significant(pairs, types, weights, 7, RelationFilter(min_count=3, top_k=0)).tolist() == \
        [True, True, True, True, False, False]
    # min_count filters a type by its counts; a type whose counts are all equal (none: metadata links,
    # amazon0302) has nothing to filter by and is kept whole, the other type beside it still filtered
    two = np.r_[types, np.ones(6, dtype=np.int64)]
    counts = np.r_[np.arange(6, 0, -1), np.ones(6)].astype(np.float32)
    keep = significant(np.c_[pairs, pairs], two, counts, 7, RelationFilter(min_count=2, top_k=0), counts=counts)
    assert keep.tolist() == [True] * 5 + [False] + [True] * 6
    # one type mixing counted relations (from orders) and relations without a count (an edge list, NaN):
    # min_count filters the counted ones only, every count-less one stays
    mixed = np.r_[np.arange(6, 0, -1), np.full(6, np.nan)].astype(np.float32)
    other = np.c_[pairs, pairs + np.array([[1], [1]])]  # the second six: other pairs, same type
    keep = significant(other, np.zeros(12, dtype=np.int64), np.nan_to_num(mixed, nan=1.0), 8,
                       RelationFilter(min_count=2, top_k=0), counts=mixed)
    assert keep.tolist() == [True] * 5 + [False] + [True] * 6
    # and with only count-less relations and a high min_count, nothing goes
    assert significant(pairs, types, weights, 7, RelationFilter(min_count=9, top_k=0),
                       counts=np.full(6, np.nan, dtype=np.float32)).all()
    # the two directions of a pair and duplicates collapse to one relation with the larger strength
    p, t, w = undirected(np.array([0, 1, 0]), np.array([1, 0, 1]), np.zeros(3, dtype=np.int64),
                         np.array([2.0, 5.0, 1.0], dtype=np.float32), 2)
    assert p.tolist() == [[0], [1]] and w.tolist() == [5.0]


def test_held_out_slices_are_disjoint_pairs_and_seeded():
    ei, et, x = random_graph(n=400, e=3000)
    half = ei.size(1) // 2
    p = ei[:, :half].numpy()
    pairs, types, weights = undirected(p[0], p[1], et[:half].numpy(), np.ones(half, dtype=np.float32), 400)
    lg = LearningGraph([f"s{i}" for i in range(400)], x, pairs, types, weights, "hashed")
    a, b = split_relations(lg, seed=3), split_relations(lg, seed=3)
    assert torch.equal(a.test_pos, b.test_pos) and (a.train == b.train).all()
    key = lambda t: set((t[0] * 400 + t[1]).tolist())  # noqa: E731
    train_keys = set((pairs[0][a.train] * 400 + pairs[1][a.train]).tolist())
    assert not key(a.test_pos) & train_keys and not key(a.val_pos) & train_keys
    assert not key(a.test_pos) & key(a.val_pos)
    everything = set((pairs[0] * 400 + pairs[1]).tolist())
    assert not key(a.test_neg) & everything and not key(a.val_neg) & everything
    assert a.held_out["test_pairs"] == a.test_pos.size(1)
    assert not torch.equal(split_relations(lg, seed=4).test_pos, a.test_pos)


def test_a_run_that_would_not_fit_fails_before_training_naming_the_settings():
    from relmine.learn.pipeline import check_memory

    n, p = 1_000_000, 20_000_000
    lg = LearningGraph([], torch.zeros(1, 259), np.zeros((2, p), dtype=np.int64), np.zeros(p, dtype=np.int64),
                       np.zeros(p, dtype=np.float32), "hashed")
    lg.skus = range(n)  # only its length is read
    with pytest.raises(InputError, match="--max-step-edges.*--top-k-relations.*--memory-gb"):
        check_memory(TrainSpec(memory_gb=6), lg)
    assert check_memory(TrainSpec(memory_gb=64), lg) > 6 * 2**30


def test_train_and_evaluate_take_their_defaults_from_the_one_recipe():
    from relmine.cli.main import cli

    spec = TrainSpec()
    assert (spec.epochs, spec.patience, spec.lr) == (recipe.TRAIN["epochs"], recipe.TRAIN["patience"],
                                                     recipe.TRAIN["lr"])
    assert (spec.hidden, spec.heads, spec.layers) == (recipe.MODEL["hidden_channels"], recipe.MODEL["heads"],
                                                      recipe.MODEL["num_layers"])
    assert (spec.val_ratio, spec.test_ratio) == (recipe.SPLIT["val_ratio"], recipe.SPLIT["test_ratio"])
    help_text = CliRunner().invoke(cli, ["train", "--help"]).output
    assert f"[default: {recipe.TRAIN['epochs']}" in help_text and f"[default: {recipe.TRAIN['lr']}]" in help_text
    from relmine.learn.pipeline import build_model, config_for

    model = build_model(spec, 10, 1)
    evaluated = GATLinkPredictor(10, **recipe.model_kwargs())
    assert repr(model) == repr(evaluated)
    assert [p.shape for p in model.parameters()] == [p.shape for p in evaluated.parameters()]
    assert config_for(spec) == recipe.train_config(device="auto", progress=False)
    with pytest.raises(InputError):
        TrainSpec(val_ratio=0.6)
    assert TrainSpec.from_json('{"halo_hops": 1, "epochs": 3}').epochs == 3  # an older run's params still read
    # the attention layer is the recipe's; a run recorded before the spec named it trained GATv2 and is
    # rebuilt as such (its stored weights load), a new run records its own
    from torch_geometric.nn import GATConv, GATv2Conv

    assert spec.conv == recipe.MODEL["conv"] == "auto" and f"[default: {recipe.MODEL['conv']}]" in help_text
    assert all(type(c) is GATConv for c in model.encoder.convs)  # one relation type: GAT
    assert all(type(c) is GATv2Conv for c in build_model(spec, 10, 2).encoder.convs)  # several: GATv2
    assert all(type(c) is GATConv for c in build_model(TrainSpec(conv="gat"), 10, 2).encoder.convs)
    old = TrainSpec.from_json('{"epochs": 3}')
    assert old.conv == "gatv2" and all(type(c) is GATv2Conv for c in build_model(old, 10, 1).encoder.convs)
    assert TrainSpec.from_json(spec.to_json()).conv == "auto"
    with pytest.raises(InputError, match="conv"):
        TrainSpec(conv="gcn")


def test_sampled_training_reads_historical_embeddings_and_resumes_identically(tmp_path):
    """Sampled steps seed only the pairs' endpoints; the common neighbours' embeddings come from the
    epoch's exact whole-graph encoding, which a resumed run recomputes to the same values."""
    ei, _, x = random_graph(n=200, e=1500, types=1)
    data = Data(x=x, edge_index=ei, num_nodes=200)
    split = graph_mod.split_edges(data, seed=0)
    g = split.graph.clone()
    g.target_index = split.train_pos
    config = TrainConfig(epochs=4, batch_size=256, max_step_edges=1500, progress=False, patience=4,
                         fanouts=(10, 10))  # a node-wide sample of 10 per node is over the budget

    def run(epochs, checkpoint=None, model=None):
        if model is None:
            torch.manual_seed(0)
            model = GATLinkPredictor(12, 16, heads=2, use_edge_weight=False)
        cfg = TrainConfig(**{**config.__dict__, "epochs": epochs})
        return model, train(model, [g], cfg, checkpoint=checkpoint)

    _, straight = run(4)
    ckpt = tmp_path / "ck.pt"
    model, _ = run(2, ckpt)
    _, resumed = run(4, ckpt, model)
    assert [h.loss for h in resumed.history] == [h.loss for h in straight.history]

    # the history is the exact encoding of the whole graph
    part = _Partition(g, "cpu", budget=1500, least_fanout=10)
    assert part.seeded
    model.eval()
    exact = model.encode(part.x, part.edge_index, None, None)
    assert torch.allclose(embed(model, g, "cpu", budget=config.max_step_edges), exact, atol=1e-5)


def test_node_wide_steps_cap_every_node_leave_out_the_targets_and_resume_identically(tmp_path):
    ei, _, x = random_graph(n=200, e=1500, types=1)
    data = Data(x=x, edge_index=ei, num_nodes=200)
    split = graph_mod.split_edges(data, seed=0)
    g = split.graph.clone()
    g.target_index = split.train_pos
    config = TrainConfig(epochs=3, batch_size=256, max_step_edges=1500, progress=False, patience=3)
    part = _Partition(g, "cpu", 1500, config.least_fanout)
    assert part.sampled and not part.seeded and part.cap == 6
    pos = part.target[:, :256]
    torch.manual_seed(0)
    step_ei, _, _ = _step_edges(part, torch.arange(256), config)
    in_deg = torch.bincount(step_ei[1], minlength=200)
    full_deg = torch.bincount(g.edge_index[1], minlength=200)
    assert bool((in_deg <= 6).all()) and step_ei.size(1) + 200 <= 1500
    # a node with at most 6 incoming edges keeps every one that is not a target of the batch
    rest = g.edge_index[:, graph_mod.mask_edges(g.edge_index, 200, pos)]
    small = full_deg <= 6
    assert bool(small.any()) and torch.equal(in_deg[small], torch.bincount(rest[1], minlength=200)[small])
    key = set((step_ei[0] * 200 + step_ei[1]).tolist())
    assert not key & set((pos[0] * 200 + pos[1]).tolist()) and not key & set((pos[1] * 200 + pos[0]).tolist())
    assert key <= set((g.edge_index[0] * 200 + g.edge_index[1]).tolist())
    torch.manual_seed(0)
    batch = torch.arange(256)
    assert not torch.equal(_step_edges(part, batch, config)[0], _step_edges(part, batch, config)[0])  # fresh each step

    def run(epochs, checkpoint=None, model=None):
        if model is None:
            torch.manual_seed(0)
            model = GATLinkPredictor(12, 16, heads=2, use_edge_weight=False)
        return model, train(model, [g], TrainConfig(**{**config.__dict__, "epochs": epochs}), checkpoint=checkpoint)

    _, straight = run(3)
    model, _ = run(1, tmp_path / "ck.pt")
    _, resumed = run(3, tmp_path / "ck.pt", model)
    assert [h.loss for h in resumed.history] == [h.loss for h in straight.history]


def test_top_predictions_per_product_by_score_ties_by_position():
    from relmine.learn.writeback import top_per_source

    src = torch.tensor([0, 0, 0, 1, 1, 1, 2])
    scores = torch.tensor([0.1, 0.9, 0.5, 0.3, 0.3, 0.8, 0.2])
    pick, rank = top_per_source(src, scores, 2)
    assert pick.tolist() == [1, 2, 5, 3, 6]
    assert rank.tolist() == [1, 2, 1, 2, 1]
    empty, none = top_per_source(torch.empty(0, dtype=torch.long), torch.empty(0), 3)
    assert empty.numel() == none.numel() == 0


@pytest.mark.parametrize("two_hop, near", [(1000, 0), (3, 4)])
@pytest.mark.parametrize("sparse", [0.0, 1e9], ids=["dense-rows", "per-pair"])
def test_write_back_candidates_are_the_highest_resource_allocation_and_nearest_unrelated_products(
        monkeypatch, two_hop, near, sparse):
    from relmine.learn import writeback

    monkeypatch.setattr(writeback, "SPARSE_SHARE", sparse)  # either way of summing the walks
    monkeypatch.setattr(writeback, "TWO_HOP_CANDIDATES", two_hop)
    monkeypatch.setattr(writeback, "EMBEDDING_NEIGHBOURS", near)
    monkeypatch.setattr(writeback, "DENSE_BUDGET", 300 * 7)  # blocks of 7 products
    ei, _, _ = random_graph(n=300, e=700)
    adj = graph_mod.Adjacency(ei, 300)
    h = torch.randn(300, 8, generator=torch.Generator().manual_seed(3))
    core = torch.arange(40, 100)
    blocks = writeback._blocks(adj, core)
    assert len(blocks) >= 60 // 7 and torch.equal(torch.cat(blocks), core)
    got = torch.cat([writeback.candidate_pairs(adj, h, b) for b in blocks], 1)
    dense = torch.zeros(300, 300, dtype=torch.float64)
    dense[adj.keys // 300, adj.col] = 1.0
    ra = dense @ torch.diag(1 / dense.sum(1).clamp(min=1)) @ dense  # sum over common neighbours of 1/deg
    cos = torch.nn.functional.normalize(h, dim=1) @ torch.nn.functional.normalize(h, dim=1).t()
    for u in core.tolist():
        mine = set(got[1, got[0] == u].tolist())
        unrelated = [v for v in range(300) if v != u and not dense[u, v]]
        two_hops = {v for v in unrelated if ra[u, v] > 0}
        by_cos = sorted((v for v in range(300) if v != u), key=lambda v: -cos[u, v])[:near]
        nearest = {v for v in by_cos if not dense[u, v]}
        assert nearest <= mine and mine <= two_hops | nearest
        if two_hop >= 300:  # every unrelated two-hop product is a candidate
            assert mine == two_hops | nearest
        else:  # the best two_hop by resource allocation, ties either way: a product left out has at
            # least two_hop chosen ones at or above its own
            want = min(two_hop, len(two_hops))
            assert len(mine & two_hops) >= want
            for v in two_hops - mine:
                assert sum(bool(ra[u, w] >= ra[u, v] - 1e-6) for w in mine & two_hops) >= want


@pytest.mark.parametrize("sparse", [0.0, 1e9], ids=["dense-rows", "per-pair"])
def test_pairs_the_filter_left_out_are_observed_and_never_write_back_candidates(monkeypatch, sparse):
    from relmine.learn import pull, writeback

    monkeypatch.setattr(writeback, "SPARSE_SHARE", sparse)

    # pair (0, 1) has two types, one kept: it is still learned from, so it is not "dropped"
    pairs = np.array([[0, 0, 0, 2], [1, 1, 3, 3]])
    keep = np.array([True, False, False, True])
    assert pull._dropped_pairs(pairs, keep, 5).tolist() == [[0], [3]]
    assert pull._dropped_pairs(pairs, np.ones(4, bool), 5).shape == (2, 0)

    ei, _, _ = random_graph(n=120, e=500)
    full = graph_mod.Adjacency(ei, 120)
    und = full.keys[full.keys // 120 < full.col]
    lo, hi = und // 120, und % 120
    kept = torch.arange(und.numel()) % 3 != 0          # a filter that leaves out every third pair
    k_ei = torch.stack([lo[kept], hi[kept]])
    learned = graph_mod.Adjacency(torch.cat([k_ei, k_ei.flip(0)], 1), 120)
    bundle = writeback.Bundle([f"p{i}" for i in range(120)], k_ei, torch.zeros(int(kept.sum()), dtype=torch.long),
                              torch.randn(120, 8), torch.zeros(int(kept.sum())), ["CO_PURCHASED"],
                              dropped=torch.stack([lo[~kept], hi[~kept]]).int())
    assert torch.equal(bundle.observed.keys, full.keys)
    block = torch.arange(120)
    got = writeback.candidate_pairs(bundle.adj, bundle.written, block, observed=bundle.observed)
    assert got.size(1) > 0 and not bool(full.has_edge(got[0], got[1]).any())
    # without the observed pairs, the filter's left-out pairs come back as candidates
    loose = writeback.candidate_pairs(learned, bundle.written, block)
    assert bool(full.has_edge(loose[0], loose[1]).any())


def test_a_whole_graph_step_leaves_out_exactly_the_edges_of_its_targets_of_every_type():
    ei, et, x = random_graph(n=60, e=300, types=3)
    # a pair related by two types: its target of either type takes out all four directed edges
    ei = torch.cat([ei, torch.tensor([[0, 1, 0, 1], [1, 0, 1, 0]])], 1)
    et = torch.cat([et, torch.tensor([0, 0, 2, 2])])
    g = Data(x=x, edge_index=ei, edge_type=et, num_nodes=60)
    part = _Partition(g, "cpu", budget=10**6)
    config = TrainConfig(progress=False)
    rng = torch.Generator().manual_seed(1)
    for batch in (torch.arange(part.target.size(1)), torch.randperm(part.target.size(1), generator=rng)[:40]):
        got, got_type, _ = _step_edges(part, batch, config)
        keep = graph_mod.mask_edges(ei, 60, part.target[:, batch])
        assert torch.equal(got, ei[:, keep]) and torch.equal(got_type, et[keep])
    both = ((part.target[0] == 0) & (part.target[1] == 1)).nonzero().ravel()
    of_pair = int((((ei[0] == 0) & (ei[1] == 1)) | ((ei[0] == 1) & (ei[1] == 0))).sum())
    assert both.numel() >= 2 and of_pair >= 4
    assert _step_edges(part, both[:1], config)[0].size(1) == ei.size(1) - of_pair


def test_the_write_back_writer_keeps_order_bounds_its_queue_and_raises_a_failed_write():
    import threading
    import time as _time

    from relmine.gateway import WriteSummary
    from relmine.learn import writeback

    class SlowGateway:
        def __init__(self, fail_on: int | None = None):
            self.calls, self.fail_on, self.most_waiting = [], fail_on, 0
            self.threads = set()

        def write(self, statement, params):
            self.threads.add(threading.current_thread().name)
            _time.sleep(0.01)
            if self.fail_on is not None and len(self.calls) == self.fail_on:
                raise RuntimeError("neo4j said no")
            self.calls.append((statement, [r["i"] for r in params["rows"]], params["run_id"]))
            return WriteSummary(properties_set=2 * len(params["rows"]))

    gw = SlowGateway()
    rows = [{"i": i} for i in range(writeback.WRITE_BATCH * 2 + 3)]
    with writeback._Writer(gw, "run-1") as writer:
        writer.put("learn/set_embeddings", rows[:7])
        writer.put("learn/merge_predicted", rows)
        assert len(writer.futures) <= writeback.WRITES_AHEAD
    assert [c[0] for c in gw.calls] == ["learn/set_embeddings"] + ["learn/merge_predicted"] * 3
    assert [i for c in gw.calls[1:] for i in c[1]] == list(range(len(rows)))  # every row once, in order
    assert {c[2] for c in gw.calls} == {"run-1"} and all(t.startswith("relmine-write") for t in gw.threads)
    assert writer.rows["learn/merge_predicted"] == len(rows) and writer.properties == 14
    # a write that fails is raised when the block ends (or at the next put), never swallowed
    with pytest.raises(RuntimeError, match="neo4j said no"):
        with writeback._Writer(SlowGateway(fail_on=1), "run-1") as writer:
            writer.put("learn/merge_predicted", rows)


def test_a_checkpoint_of_another_attention_layer_is_refused_with_a_clear_message(tmp_path):
    ei, _, x = random_graph(n=40, e=120, types=1)
    g = Data(x=x, edge_index=ei, num_nodes=40)
    g.target_index = graph_mod.undirected_pairs(ei)
    config = TrainConfig(epochs=1, batch_size=64, progress=False)
    ckpt = tmp_path / "ck.pt"
    train(GATLinkPredictor(12, 16, heads=2, use_edge_weight=False, conv="gatv2"), [g], config, checkpoint=ckpt)
    with pytest.raises(ValueError, match="another model.*--conv"):
        train(GATLinkPredictor(12, 16, heads=2, use_edge_weight=False, conv="gat"), [g],
              TrainConfig(epochs=2, batch_size=64, progress=False), checkpoint=ckpt)


def test_the_contrastive_term_matches_hand_computed_values_and_skips_other_types():
    from relmine.gnn.train import contrast_loss

    # centred already (mean 0) and of unit length: the space the write-back stores
    h = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    config = TrainConfig(contrast_weight=1.0, contrast_types=(1,), contrast_temperature=0.1)
    # pairs (0, 2) and (1, 3): every cosine 0, so each row is a uniform choice of 2: log 2
    pos = torch.tensor([[0, 1], [2, 3]])
    assert float(contrast_loss(h, pos, torch.tensor([1, 1]), config)) == pytest.approx(np.log(2), abs=1e-6)
    # pairs (0, 1) and (2, 3): partner cosine -1, the other 0: log(1 + e^10) each way
    pos = torch.tensor([[0, 2], [1, 3]])
    assert float(contrast_loss(h, pos, torch.tensor([1, 1]), config)) == pytest.approx(np.log1p(np.exp(10.0)), rel=1e-6)
    # only pairs of the contrasted types count; fewer than two: no term
    assert float(contrast_loss(h, pos, torch.tensor([0, 1]), config)) == 0.0
    assert float(contrast_loss(h, pos, torch.tensor([0, 0]), config)) == 0.0


def test_the_contrastive_term_brings_substitute_pairs_closer_by_cosine():
    from relmine.gnn.embedspace import center_normalise
    from relmine.learn.pipeline import config_for

    ei, et, x = random_graph(n=200, e=1500, types=2)
    data = Data(x=x, edge_index=ei, edge_type=et, num_nodes=200)
    sub = ei[:, et == 1]

    def mean_cosine(weight: float) -> float:
        torch.manual_seed(0)
        model = GATLinkPredictor(12, 16, heads=2, num_relations=2, use_edge_weight=False)
        config = TrainConfig(epochs=8, batch_size=512, progress=False, patience=8, contrast_weight=weight,
                             contrast_types=(1,) if weight else ())
        train(model, [data], config)
        z = center_normalise(embed(model, data, "cpu"))
        return float((z[sub[0]] * z[sub[1]]).sum(-1).mean())

    # random pairs on random features: a small but clear gain (0.059 against -0.020 when written)
    assert mean_cosine(1.0) > mean_cosine(0.0) + 0.05
    # the spec's weight reaches the config, on the run's substitute-like types only
    config = config_for(TrainSpec(contrast_weight=0.5), ["CO_PURCHASED", "ALSO_VIEWED", "SUBSTITUTE"])
    assert (config.contrast_weight, config.contrast_types) == (0.5, (1, 2))
    assert config_for(TrainSpec(), ["CO_PURCHASED", "ALSO_VIEWED"]).contrast_weight == 0.0
    with pytest.raises(InputError, match="contrast_weight"):
        TrainSpec(contrast_weight=-1)
