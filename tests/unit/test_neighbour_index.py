"""The write-back's embedding neighbours: exact below EXACT_BELOW products, an index above it that finds
at least 95% of the exact 50 nearest, the same in every build."""

import numpy as np
import pytest
import torch

from relmine.gnn import edges as graph_mod
from relmine.learn import writeback


def mixture(n: int, dim: int = 32, centres: int = 400, seed: int = 0) -> torch.Tensor:
    """Unit rows of a seeded gaussian mixture (as the written embeddings are: centred, L2-normalised)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((centres, dim))[rng.integers(0, centres, n)] + 0.6 * rng.standard_normal((n, dim))
    x -= x.mean(0)
    return torch.nn.functional.normalize(torch.from_numpy(x.astype(np.float32)), dim=1)


def recall(index: writeback.NeighbourIndex, hn: torch.Tensor, block: torch.Tensor, k: int) -> float:
    src, dst = index.pairs(block, k)
    truth = writeback.nearest_exact(hn, block, k)
    want = set(zip(block.unsqueeze(1).expand_as(truth).reshape(-1).tolist(), truth.reshape(-1).tolist()))
    return len(want & set(zip(src.tolist(), dst.tolist()))) / len(want)


@pytest.fixture(scope="module")
def large():
    hn = mixture(writeback.EXACT_BELOW + 5_000)
    return hn, writeback.NeighbourIndex(hn)


def test_above_the_threshold_the_index_finds_at_least_95_percent_of_the_exact_nearest(large):
    hn, index = large
    assert index.index is not None and 0 < index.nprobe < index.index.nlist
    assert index.recall >= writeback.INDEX_RECALL
    block = torch.arange(7, hn.size(0), 97)  # products the tuning sample did not choose
    assert recall(index, hn, block, writeback.EMBEDDING_NEIGHBOURS) >= 0.95
    src, dst = index.pairs(block, writeback.EMBEDDING_NEIGHBOURS)
    assert not bool((src == dst).any())  # never itself
    assert torch.equal(torch.unique(src), block)
    assert int(torch.bincount(src).max()) <= writeback.EMBEDDING_NEIGHBOURS


def test_the_index_is_built_the_same_every_time_so_a_resumed_run_writes_the_same_neighbours(large):
    import faiss

    hn, index = large
    threads = faiss.omp_get_max_threads()
    try:
        faiss.omp_set_num_threads(1)  # another worker, another thread count: the same index
        again = writeback.NeighbourIndex(hn.clone())
    finally:
        faiss.omp_set_num_threads(threads)
    block = torch.arange(0, hn.size(0), 13)
    assert again.nprobe == index.nprobe
    a, b = index.pairs(block, 50), again.pairs(block, 50)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_below_the_threshold_the_neighbours_are_the_exact_ones():
    hn = mixture(3_000)
    index = writeback.NeighbourIndex(hn)
    assert index.index is None
    block = torch.arange(100, 164)
    src, dst = index.pairs(block, 50)
    truth = writeback.nearest_exact(hn, block, 50)
    assert torch.equal(dst, truth.reshape(-1)) and torch.equal(src, block.repeat_interleave(50))
    # and the write-back's candidates with that index are those of the exact product
    ei = torch.randint(0, 3_000, (2, 12_000), generator=torch.Generator().manual_seed(5))
    ei = ei[:, ei[0] != ei[1]]
    adj = graph_mod.Adjacency(torch.cat([ei, ei.flip(0)], 1), 3_000)
    assert torch.equal(writeback.candidate_pairs(adj, hn, block, normalised=True, neighbours=index),
                       writeback.candidate_pairs(adj, hn, block))


def test_the_index_is_built_once_per_bundle(monkeypatch):
    built = []
    monkeypatch.setattr(writeback, "NeighbourIndex", lambda hn: built.append(hn) or object())
    pairs = torch.tensor([[0, 1], [1, 2]])
    bundle = writeback.Bundle(["a", "b", "c"], pairs, torch.zeros(2, dtype=torch.long), torch.randn(3, 4),
                              torch.zeros(2), ["CO_PURCHASED"])
    assert bundle.neighbours is bundle.neighbours and len(built) == 1


def test_vectors_without_clusters_are_answered_exactly_rather_than_below_the_recall():
    # isotropic unit vectors in 64 dimensions: the 50 nearest are barely nearer than any other, so no
    # cheap share of the cells holds them; the index gives way to exact search
    hn = torch.nn.functional.normalize(torch.randn(writeback.EXACT_BELOW + 1_000, 64,
                                                   generator=torch.Generator().manual_seed(2)), dim=1)
    index = writeback.NeighbourIndex(hn)
    assert index.index is None and index.recall == 1.0
    block = torch.arange(0, 64)
    assert torch.equal(index.pairs(block, 50)[1], writeback.nearest_exact(hn, block, 50).reshape(-1))
