"""relmine.gnn: model shapes, structural features, training determinism and resume."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch_geometric.data import Data

from relmine.gnn.edges import Adjacency, mask_edges, typed_undirected_pairs, undirected_pairs
from relmine.gnn.model import GATEncoder, GATLinkPredictor, LinkDecoder, pair_features
from relmine.gnn.train import PairSet, TrainConfig, sample_negatives, score_pairs, train


def toy_graph(n: int = 40, m: int = 120, features: int = 8, relations: int = 3, seed: int = 0) -> Data:
    """A random undirected graph with typed, weighted edges (both directions listed)."""
    g = torch.Generator().manual_seed(seed)
    pairs = undirected_pairs(torch.randint(0, n, (2, m), generator=g))
    types = torch.randint(0, relations, (pairs.size(1),), generator=g)
    weights = torch.rand(pairs.size(1), generator=g)
    return Data(x=torch.randn(n, features, generator=g),
                edge_index=torch.cat([pairs, pairs.flip(0)], 1),
                edge_type=torch.cat([types, types]), edge_weight=torch.cat([weights, weights]),
                num_nodes=n)


def planted_types_graph(per_group: int = 12, seed: int = 0) -> Data:
    """Three groups of nodes; an edge's type is the group of its endpoints (features tell groups apart)."""
    g = torch.Generator().manual_seed(seed)
    n = 3 * per_group
    group = torch.arange(n) // per_group
    x = torch.nn.functional.one_hot(group, 3).float() + 0.1 * torch.randn(n, 3, generator=g)
    pairs = []
    for k in range(3):
        nodes = list(range(k * per_group, (k + 1) * per_group))
        for a, b in itertools.combinations(nodes, 2):
            if torch.rand(1, generator=g).item() < 0.3:
                pairs.append((a, b))
    pairs = torch.tensor(pairs).t()
    types = group[pairs[0]]
    return Data(x=x, edge_index=torch.cat([pairs, pairs.flip(0)], 1), edge_type=torch.cat([types, types]),
                num_nodes=n)


# ---------------------------------------------------------------- shapes

def test_encoder_shapes_and_attention():
    data = toy_graph()
    enc = GATEncoder(8, 16, num_layers=2, heads=4, num_relations=3)
    h, att = enc(data.x, data.edge_index, data.edge_type, data.edge_weight, return_attention_weights=True)
    assert h.shape == (40, 16)
    assert len(att) == 2 and all(a.shape == (data.edge_index.size(1), 4) for a in att)
    # softmax over each node's incoming edges plus its self-loop: incoming edges sum to at most 1
    incoming = torch.zeros(40, 4).index_add_(0, data.edge_index[1], att[-1])
    assert (incoming <= 1 + 1e-5).all() and (att[-1] >= 0).all()
    assert "GATEncoder(8, 16" in repr(enc)


def test_encoder_without_edge_features_and_bad_heads():
    data = toy_graph()
    enc = GATEncoder(8, 12, num_layers=1, heads=3, num_relations=1, use_edge_weight=False)
    assert enc.rel_emb is None
    assert enc(data.x, data.edge_index).shape == (40, 12)
    with pytest.raises(ValueError, match="divisible"):
        GATEncoder(8, 10, heads=4)


def test_predictor_decode_shapes_and_type_head():
    data = toy_graph()
    model = GATLinkPredictor(8, 16, heads=2, num_relations=3).eval()
    adj = Adjacency(data.edge_index, 40)
    h = model.encode(data.x, data.edge_index, data.edge_type, data.edge_weight)
    pairs = torch.tensor([[0, 1, 2, 5], [3, 4, 9, 7]])
    logit, types = model.decode(h, pairs, adj)
    assert logit.shape == (4,) and types.shape == (4, 3)
    # every term of the decoder is symmetric in the pair
    logit_r, types_r = model.decode(h, pairs.flip(0), adj)
    assert torch.allclose(logit, logit_r, atol=1e-5) and torch.allclose(types, types_r, atol=1e-5)
    assert model.attention(data.x, data.edge_index, data.edge_type, data.edge_weight).shape == (
        data.edge_index.size(1),)
    single = GATLinkPredictor(8, 16, heads=2, num_relations=1)
    assert single.decode(h, pairs, adj)[1] is None
    assert "LinkDecoder" in repr(model) and "common_neighbors" in repr(model)


def test_decoder_needs_adjacency_unless_purely_hadamard():
    h = torch.randn(5, 4)
    pairs = torch.tensor([[0, 1], [2, 3]])
    with pytest.raises(ValueError, match="adjacency"):
        LinkDecoder(4, 8)(h, pairs)
    plain = LinkDecoder(4, 8, use_common_neighbors=False, use_heuristics=False)
    assert plain(h, pairs)[0].shape == (2,)


def test_reset_parameters_restores_initial_distribution():
    model = GATLinkPredictor(8, 16, heads=2, num_relations=2, feature_reconstruction=True)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(7.0)
    model.reset_parameters()
    assert not any(torch.all(p == 7.0) for p in model.parameters() if p.numel() > 1)


# ---------------------------------------------------------------- structure

def test_common_neighbors_and_heuristics_match_brute_force():
    data = toy_graph(n=30, m=90)
    adj = Adjacency(data.edge_index, 30)
    nbrs = [set(adj.neighbors(i).tolist()) for i in range(30)]
    src, dst = torch.tensor([0, 3, 5, 7, 11]), torch.tensor([1, 4, 9, 20, 11])
    pair, node = adj.common_neighbors(src, dst)
    for i, (a, b) in enumerate(zip(src.tolist(), dst.tolist())):
        assert set(node[pair == i].tolist()) == (nbrs[a] & nbrs[b]) - ({a} if a == b else set())
    heur = adj.heuristics(src, dst)
    for i, (a, b) in enumerate(zip(src.tolist(), dst.tolist())):
        common = nbrs[a] & nbrs[b]
        deg = adj.deg.float()
        assert heur[i, 0] == len(common)
        assert torch.isclose(heur[i, 1], sum((1 / torch.log(deg[w]) for w in common), torch.tensor(0.)))
        assert torch.isclose(heur[i, 2], sum((1 / deg[w] for w in common), torch.tensor(0.)))


def _paths3_brute(edge_index, n, i, j):
    a = torch.zeros(n, n)
    a[edge_index[0], edge_index[1]] = 1
    deg = a.sum(1)
    return sum(float((deg[x] * deg[y]).rsqrt()) for x in range(n) for y in range(n)
               if a[i, x] and a[x, y] and a[y, j])


def test_paths3_matches_brute_force_with_the_own_edge_removed():
    data = toy_graph(n=25, m=80)
    adj = Adjacency(data.edge_index, 25)
    edges = undirected_pairs(data.edge_index)[:, :6]
    for i, j in edges.t().tolist():
        without = data.edge_index[:, mask_edges(data.edge_index, 25, torch.tensor([[i], [j]]))]
        got = adj.paths3(torch.tensor([i]), torch.tensor([j])).item()
        assert got == pytest.approx(_paths3_brute(without, 25, i, j), abs=1e-5)
        assert adj.paths3(torch.tensor([j]), torch.tensor([i])).item() == pytest.approx(got, abs=1e-5)
    for i, j in [(0, 5), (1, 7), (3, 11)]:
        if not adj.has_edge(torch.tensor([i]), torch.tensor([j])):
            got = adj.paths3(torch.tensor([i]), torch.tensor([j])).item()
            assert got == pytest.approx(_paths3_brute(data.edge_index, 25, i, j), abs=1e-5)


def test_pair_features_ignore_the_pairs_own_edge():
    data = toy_graph(n=30, m=90)
    pairs = undirected_pairs(data.edge_index)[:, :10]
    with_edges = pair_features(Adjacency(data.edge_index, 30), pairs[0], pairs[1])
    without = Adjacency(data.edge_index[:, mask_edges(data.edge_index, 30, pairs[:, :1])], 30)
    # the first pair, looked at in the graph where its edge is held out, has the same features
    assert torch.allclose(with_edges[0], pair_features(without, pairs[0, :1], pairs[1, :1])[0])


def _common_neighbour_term_per_incidence(dec: LinkDecoder, h, adj, src, dst):
    """The learned common-neighbour sum as its formula reads: one vote per (pair, common neighbour)."""
    pair, node = adj.common_neighbors(src, dst)
    d = adj.deg[node].float()
    msg = torch.relu(dec.cn_mlp(torch.cat([h[node], (1 / d).unsqueeze(1), (1 / torch.log(d)).unsqueeze(1)], 1)))
    return dec.lin_cn(torch.log1p(torch.zeros(src.numel(), msg.size(1)).index_add_(0, pair, msg)))


def test_memoized_pairs_give_the_structure_they_are_computed_to_have():
    data = toy_graph(n=60, m=400, seed=4)
    plain, memo = Adjacency(data.edge_index, 60), Adjacency(data.edge_index, 60)
    targets = undirected_pairs(data.edge_index)[:, ::2]
    memo.memoize(targets[0], targets[1])
    g = torch.Generator().manual_seed(0)
    # memoized pairs, the same pairs the other way round, other edges, random pairs; shuffled
    query = torch.cat([targets[:, :30], targets[:, 30:40].flip(0), undirected_pairs(data.edge_index)[:, 1:20:2],
                       torch.randint(0, 60, (2, 40), generator=g)], 1)
    query = query[:, torch.randperm(query.size(1), generator=g)]
    assert memo._recall(query[0], query[1])[0].numel() >= 30  # (a random pair may be a target too)
    want, got = plain.common_neighbors(query[0], query[1]), memo.common_neighbors(query[0], query[1])
    assert want[0].numel() > 100 and torch.equal(want[0], got[0]) and torch.equal(want[1], got[1])
    assert torch.equal(plain.paths3(query[0], query[1]), memo.paths3(query[0], query[1]))
    assert torch.equal(pair_features(plain, query[0], query[1]), pair_features(memo, query[0], query[1]))


def test_training_with_memoized_targets_equals_training_without(monkeypatch):
    data = toy_graph(n=60, m=400, seed=4)
    with_memo, result = _fit(data, seed=3)
    monkeypatch.setattr(Adjacency, "memoize", lambda self, src, dst: None)
    without, plain_result = _fit(data, seed=3)
    assert [s.loss for s in result.history] == [s.loss for s in plain_result.history]
    pa, pb = _params(with_memo), _params(without)
    assert all(torch.equal(pa[k], pb[k]) for k in pa)


def test_common_neighbour_votes_once_per_node_equal_votes_per_incidence():
    data = toy_graph(n=60, m=400, seed=3)
    adj = Adjacency(data.edge_index, 60)
    pairs = torch.cat([undirected_pairs(data.edge_index)[:, :40], torch.randint(0, 60, (2, 40))], 1)
    torch.manual_seed(0)
    dec = LinkDecoder(16, 16, use_heuristics=False).eval()
    h = torch.randn(60, 16, requires_grad=True)
    got = dec.pair_representation(h, pairs, adj)
    want = torch.relu(dec.mlp[0](torch.relu(dec.lin_ij(h[pairs[0]] * h[pairs[1]])
                                            + _common_neighbour_term_per_incidence(dec, h, adj, pairs[0], pairs[1]))))
    assert adj.common_neighbors(pairs[0], pairs[1])[0].unique().numel() > 40  # most pairs have votes
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    grads = torch.autograd.grad(got.square().sum(), [h, *dec.parameters()], allow_unused=True)
    ref = torch.autograd.grad(want.square().sum(), [h, *dec.parameters()], allow_unused=True)
    for g, r in zip(grads, ref):
        assert (g is None) == (r is None)
        if g is not None:
            torch.testing.assert_close(g, r, rtol=1e-5, atol=1e-6)


def test_typed_pairs_keep_one_target_per_relation_type():
    edge_index = torch.tensor([[0, 1, 1, 0, 2, 3], [1, 0, 0, 1, 3, 2]])
    edge_type = torch.tensor([0, 0, 2, 2, 1, 1])
    pairs, types = typed_undirected_pairs(edge_index, edge_type)
    assert pairs.t().tolist() == [[0, 1], [0, 1], [2, 3]] and types.tolist() == [0, 2, 1]
    assert undirected_pairs(edge_index).t().tolist() == [[0, 1], [2, 3]]


def test_unknown_relation_type_is_a_clear_error():
    data = toy_graph(relations=3)
    with pytest.raises(ValueError, match="relation type id 2"):
        train(GATLinkPredictor(8, 16, heads=2, num_relations=2), [data], TrainConfig(**CFG))


def test_negatives_are_non_edges():
    torch.manual_seed(0)
    data = toy_graph(n=50, m=200)
    adj = Adjacency(data.edge_index, 50)
    pos = undirected_pairs(data.edge_index)
    neg = sample_negatives(adj, pos, 400, hard_ratio=0.5)
    assert neg.size(1) > 300
    assert not adj.has_edge(neg[0], neg[1]).any()
    assert (neg[0] != neg[1]).all()


# ---------------------------------------------------------------- training

CFG = dict(epochs=4, batch_size=64, lr=0.01, progress=False, patience=100)


def _params(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _fit(data, seed=0, checkpoint=None, on_epoch=None, **cfg):
    torch.manual_seed(123)
    model = GATLinkPredictor(8, 16, heads=2, num_relations=3)
    result = train(model, [data], TrainConfig(seed=seed, **{**CFG, **cfg}), checkpoint=checkpoint,
                   on_epoch=on_epoch)
    return model, result


def test_training_is_deterministic_under_a_seed():
    data = toy_graph()
    a, ra = _fit(data, seed=1)
    b, rb = _fit(data, seed=1)
    c, _ = _fit(data, seed=2)
    assert [s.loss for s in ra.history] == [s.loss for s in rb.history]
    pa, pb, pc = _params(a), _params(b), _params(c)
    assert all(torch.equal(pa[k], pb[k]) for k in pa)
    assert not all(torch.equal(pa[k], pc[k]) for k in pa)


def test_checkpoint_resume_equals_uninterrupted(tmp_path):
    data = toy_graph()
    full, full_result = _fit(data)

    class Crash(Exception):
        pass

    def crash_after_second(stats):
        if stats.epoch == 1:
            raise Crash

    ckpt = tmp_path / "run.pt"
    with pytest.raises(Crash):
        _fit(data, checkpoint=ckpt, on_epoch=crash_after_second)
    assert ckpt.exists()
    resumed, result = _fit(data, checkpoint=ckpt)
    assert result.resumed_from == 1
    assert [s.loss for s in result.history] == [s.loss for s in full_result.history]
    pf, pr = _params(full), _params(resumed)
    assert all(torch.equal(pf[k], pr[k]) for k in pf)
    with pytest.raises(ValueError, match="other settings"):
        _fit(data, checkpoint=ckpt, lr=0.5)


def test_checkpoint_from_before_a_new_setting_resumes_at_its_default(tmp_path):
    data = toy_graph()
    ckpt = tmp_path / "run.pt"
    _fit(data, checkpoint=ckpt, epochs=2)
    state = torch.load(ckpt, weights_only=True)
    for key in ("lr_decay", "lr_patience"):  # written before these settings existed
        del state["config"][key]
    torch.save(state, ckpt)
    _, result = _fit(data, checkpoint=ckpt, epochs=3)
    assert result.resumed_from == 1 and result.epochs_run == 3
    with pytest.raises(ValueError, match="other settings"):
        _fit(data, checkpoint=ckpt, epochs=4, lr_decay=0.5, lr_patience=2)


def test_partitions_validation_and_reconstruction_loss():
    parts = [toy_graph(seed=1), toy_graph(seed=2)]
    val = PairSet(parts[0], undirected_pairs(parts[0].edge_index)[:, :20],
                  torch.tensor([[0, 1, 2, 3], [30, 31, 32, 33]]))
    torch.manual_seed(0)
    model = GATLinkPredictor(8, 16, heads=2, num_relations=3, feature_reconstruction=True)
    result = train(model, parts, TrainConfig(recon_weight=0.5, val_metric="auc", **CFG), val=val)
    assert result.epochs_run == 4
    assert all(s.val is not None and 0 <= s.val <= 1 for s in result.history)
    assert result.best_val == max(s.val for s in result.history)
    assert all(torch.isfinite(torch.tensor(s.loss)) for s in result.history)


def test_learning_rate_is_cut_after_lr_patience_epochs_without_gain(tmp_path):
    data = toy_graph()
    val = PairSet(data, undirected_pairs(data.edge_index)[:, :20], torch.tensor([[0, 1, 2, 3], [30, 31, 32, 33]]))
    # a step too small to change any ranking: validation AUC never improves after epoch 0
    cfg = {**CFG, "epochs": 6, "lr": 1e-12, "lr_decay": 0.5, "lr_patience": 2, "val_metric": "auc"}
    torch.manual_seed(0)
    model = GATLinkPredictor(8, 16, heads=2, num_relations=3)
    result = train(model, [data], TrainConfig(**cfg), val=val, checkpoint=tmp_path / "run.pt")
    assert result.best_epoch == 0 and len({s.val for s in result.history}) == 1
    saved = torch.load(tmp_path / "run.pt", weights_only=False)
    # five epochs without gain: cut after the 2nd and the 4th
    assert saved["optimizer"]["param_groups"][0]["lr"] == pytest.approx(1e-12 * 0.25)
    assert saved["bad_epochs"] == 5


def test_a_criterion_decides_early_stopping_and_which_weights_are_kept():
    data = toy_graph()

    class Scripted:  # a caller's criterion (relmine.gnn.train.Criterion): a fixed sequence of scores
        name, graph = "scripted", data

        def __init__(self):
            self.scores, self.states, self.adjs = [0.1, 0.5, 0.3, 0.2, 0.9], [], []

        def __call__(self, model, adj):
            self.states.append({k: v.detach().clone() for k, v in model.state_dict().items()})
            self.adjs.append(adj)
            return self.scores[len(self.states) - 1]

        def improves(self, score, best):
            return best is None or score > best

    val = Scripted()
    torch.manual_seed(0)
    model = GATLinkPredictor(8, 16, heads=2, num_relations=3)
    result = train(model, [data], TrainConfig(**{**CFG, "epochs": 5, "patience": 2}), val=val)
    # best at epoch 1, two epochs without gain: stopped before the fifth epoch's 0.9
    assert result.best_epoch == 1 and result.best_val == 0.5 and result.stopped_early and result.epochs_run == 4
    assert [s.val for s in result.history] == [0.1, 0.5, 0.3, 0.2]
    assert all(torch.equal(v, val.states[1][k]) for k, v in model.state_dict().items())
    assert any(not torch.equal(v, val.states[3][k]) for k, v in model.state_dict().items())  # not the last epoch's
    # the adjacency of the graph it trains on is shared with the criterion where the decoder needs one
    assert all((a is not None) == model.needs_adjacency for a in val.adjs)


def test_relation_type_head_learns_planted_types():
    data = planted_types_graph()
    torch.manual_seed(0)
    model = GATLinkPredictor(3, 16, heads=2, num_relations=3)
    train(model, [data], TrainConfig(epochs=40, batch_size=512, lr=0.02, progress=False, patience=100))
    pairs = undirected_pairs(data.edge_index)
    _, type_logits = score_pairs(model, data, pairs, with_types=True, amp=False)
    truth = (pairs[0] // 12)
    accuracy = (type_logits.argmax(1) == truth).float().mean().item()
    assert accuracy > 0.9
