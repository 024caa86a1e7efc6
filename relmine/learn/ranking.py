"""Score what a run would write: its write-back ranking on its own test window (issue 26 item 3).

A run held out by time (:func:`relmine.learn.pull.split_relations`) has, as its test slice, the pairs
first seen in the latest window. This ranks, for a seeded sample of the products that have such pairs,
the candidates the write-back would rank (:func:`relmine.learn.writeback.candidate_pairs`: the two-hop
neighbours of highest resource allocation and the nearest products by the written embedding) with the
scorer that writes ``[:PREDICTED]`` (the decoder), on the graph the model learned from, and scores its
``k`` best against the test pairs. Beside it, on the same candidates: resource allocation, Adamic-Adar
and common neighbours (their own top ``k`` lie among the write-back's top 100 by RA whenever a product
has ``k`` two-hop candidates), and the candidates' coverage of the test pairs.

Per product (macro over the sampled products that have at least one test pair):
``precision@k`` = hits / k, ``recall@k`` = hits / its test pairs, ``ndcg@k`` = DCG of the hits (1 /
log2(rank + 1)) over the best DCG its test pairs allow. These are the run's own figures, on its own
window; ``bench/future.py`` scores what was written against orders the run never saw.
"""

from __future__ import annotations

import numpy as np
import torch

K = 10
SOURCES_MOST = 400  # products ranked (a seeded sample): the scoring costs about what a write-back of them does
HEURISTICS = ("cn", "aa", "ra")


def ranking_metrics(model, train_graph, test_pos: torch.Tensor, *, k: int = K, sources_most: int = SOURCES_MOST,
                    seed: int = 0, budget: int = 1_000_000) -> dict:
    """``{"sources": S, "coverage": c, "model": {"precision@k": .., "recall@k": .., "ndcg@k": ..}, "ra": ..,
    "aa": .., "cn": ..}``; empty when no product has a test pair."""
    from relmine.gnn.embedspace import center_normalise
    from relmine.gnn.edges import Adjacency
    from relmine.gnn.train import embed, score_pairs
    from relmine.learn.writeback import NeighbourIndex, candidate_pairs

    n = train_graph.num_nodes
    targets = _targets(test_pos, n)
    if not targets:
        return {}
    sources = np.array(sorted(targets), dtype=np.int64)
    if sources.size > sources_most:
        sources = np.sort(np.random.default_rng(seed).choice(sources, sources_most, replace=False))
    model = model.cpu().eval()
    adj = Adjacency(train_graph.edge_index, n)
    with torch.no_grad():
        h = embed(model, train_graph, "cpu", amp=False, budget=budget)
        written = center_normalise(h)
        pairs = candidate_pairs(adj, written, torch.from_numpy(sources), normalised=True,
                                neighbours=NeighbourIndex(written))
        scores = {"model": score_pairs(model, None, pairs, h=h, adj=adj, amp=False)}
    heur = adj.heuristics(pairs[0], pairs[1])
    scores.update({name: heur[:, i] for i, name in enumerate(HEURISTICS)})
    key = (pairs[0] * n + pairs[1]).numpy()
    wanted = {s: targets[s] for s in sources.tolist()}
    in_candidates = sum(len(set(key[pairs[0].numpy() == s] % n) & t) for s, t in wanted.items())
    out = {"sources": int(sources.size), "k": k,
           "coverage": in_candidates / max(sum(len(t) for t in wanted.values()), 1)}
    for name, score in scores.items():
        out[name] = score_lists(_top_lists(pairs, score, k), wanted, k)
    return out


def _targets(test_pos: torch.Tensor, n: int) -> dict[int, set[int]]:
    """Each product's test partners (a held-out pair counts for both its ends)."""
    out: dict[int, set[int]] = {}
    for a, b in test_pos.t().tolist():
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def _top_lists(pairs: torch.Tensor, score: torch.Tensor, k: int) -> dict[int, list[int]]:
    """Each source's ``k`` best candidates by ``score``, best first (ties by candidate id)."""
    from relmine.learn.writeback import top_per_source

    pick, _ = top_per_source(pairs[0], score.float(), k)
    lists: dict[int, list[int]] = {}
    for s, d in zip(pairs[0, pick].tolist(), pairs[1, pick].tolist()):
        lists.setdefault(s, []).append(d)
    return lists


def score_lists(lists: dict[int, list[int]], targets: dict[int, set[int]], k: int = K) -> dict:
    """Macro precision@k, recall@k and NDCG@k over the products of ``targets`` (a product without a list
    scores 0)."""
    if not targets:
        return {}
    precision, recall, ndcg = [], [], []
    for s, wanted in targets.items():
        ranked = lists.get(s, [])[:k]
        gains = [1.0 if d in wanted else 0.0 for d in ranked]
        hits = sum(gains)
        precision.append(hits / k)
        recall.append(hits / len(wanted))
        dcg = sum(g / np.log2(r + 2) for r, g in enumerate(gains))
        ideal = sum(1.0 / np.log2(r + 2) for r in range(min(len(wanted), k)))
        ndcg.append(dcg / ideal)
    return {f"precision@{k}": float(np.mean(precision)), f"recall@{k}": float(np.mean(recall)),
            f"ndcg@{k}": float(np.mean(ndcg))}
