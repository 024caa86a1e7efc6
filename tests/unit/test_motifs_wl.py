"""relmine's own WL hashes: wl2 (whole graph, unfolding trees) and wl1 (per ego network).

Pinned values, invariance, plain references, and how the two hashes' classes relate.
"""

from __future__ import annotations

import hashlib
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relmine.motifs.wl as wl
from relmine.errors import InputError
from relmine.motifs.edgelist import edge_list_from_arrays
from relmine.motifs.wl import EGO_VERSION, WL_VERSION, ego_hashes, h64, property_name, tree_hashes

MASK = (1 << 64) - 1

# A fixed small graph: cameras with accessories, a tripod pair, two interchangeable straps, a lone lens.
SKUS = ["cam1", "cam2", "lens1", "lens2", "tri1", "tri2", "bag", "lone", "strap1", "strap2"]
CATS = ["Camera", "Camera", "Lens", "Lens", "Tripod", "Tripod", "Bag", "Lens", "Bag", "Bag"]
EDGES = [(0, 2, "CO_PURCHASED"), (0, 4, "CO_PURCHASED"), (1, 3, "CO_PURCHASED"), (1, 5, "CO_PURCHASED"),
         (2, 4, "CO_VIEWED"), (3, 5, "CO_VIEWED"), (0, 6, "CO_PURCHASED"), (4, 5, "CO_VIEWED"),
         (5, 4, "CO_VIEWED"), (0, 2, "CO_VIEWED"), (1, 8, "CO_PURCHASED"), (1, 9, "CO_PURCHASED")]

# Pinned wl1 (per ego, `relmine wl-hash --ego`): a change here breaks every stored p.wl_hash_k<k>.
PINNED_K1 = {
    "cam1": "f9c2102704b1e1310479016b11934e3d",
    "cam2": "7a850d9fb98bb4da1468a6a2d544bf2d",
    "lens1": "0849233aaa768d2b899dedb9a8776251",
    "lens2": "763549550973fc8a6da47f8c6d1b6163",
    "tri1": "dedeffd2decfe11eb0f11d6a008e870a",
    "tri2": "d0296fa6ca869cfcef4a6ed8f485f80e",
    "bag": "857bf22295f70ce8168fd227a35f1b6e",
    "lone": "fb46a00ae4e40c4552457c2501744e3e",
    "strap1": "857bf22295f70ce8168fd227a35f1b6e",
    "strap2": "857bf22295f70ce8168fd227a35f1b6e",
}
PINNED_K2 = {
    "cam1": "bcce68d3547baae9fd03f92d63f08490",
    "cam2": "afb645c2a3cfa0425affba327abf28fb",
    "lens1": "f21ae89d581a190cc642d01a6d4e0553",
    "lens2": "1f799b92d5d33f9b5a8199383832d69f",
    "tri1": "6872fb34c0606f1cabc138eb4594db24",
    "tri2": "43dcd489b85b89a41570eae912d78f60",
    "bag": "fe2c6af987b476a424b16b5e2f169ec2",
    "lone": "a1747b2a919213e8426cdbe17e5e2b31",
    "strap1": "6e7e0567627b1af86fd189203216808f",
    "strap2": "6e7e0567627b1af86fd189203216808f",
}


def graph(order: list[int] | None = None):
    order = order or list(range(len(SKUS)))
    pos = {old: new for new, old in enumerate(order)}
    skus = [SKUS[o] for o in order]
    cats = [CATS[o] for o in order]
    edges = [(pos[a], pos[b], t) for a, b, t in EDGES]
    return edge_list_from_arrays(skus, cats, edges)


def by_sku(g, k, fn=ego_hashes):
    return dict(zip(g.skus, fn(g, k)))


# -- a plain, per-ego reference implementation of the documented algorithm ----------

def _mix(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def reference_hash(skus, cats, edges, root: int, k: int, h: int | None = None) -> str:
    h = k if h is None else h
    und = nx.Graph()
    und.add_nodes_from(range(len(skus)))
    und.add_edges_from((a, b) for a, b, _ in edges if a != b)
    ball = set(nx.single_source_shortest_path_length(und, root, cutoff=k))
    label = {v: h64("node:" + cats[v]) for v in ball}
    label[root] = _mix(label[root] ^ h64("root"))
    half = {v: [] for v in ball}
    for a, b, t in edges:
        if a != b and a in ball and b in ball:
            half[a].append((b, h64("out:" + t)))
            half[b].append((a, h64("in:" + t)))
    values = list(label.values())
    for t in range(1, h + 1):
        new = {}
        for v in ball:
            agg = sum(_mix((label[u] * 0xC2B2AE3D27D4EB4F + lab) & MASK) for u, lab in half[v]) & MASK
            new[v] = _mix((label[v] * 0x9E3779B97F4A7C15 + agg + t) & MASK)
        label = new
        values += list(label.values())
    data = b"".join(v.to_bytes(8, "little") for v in sorted(values))
    return hashlib.blake2b(f"relmine-{EGO_VERSION}|k={k}|h={h}|".encode() + data, digest_size=16).hexdigest()


@pytest.mark.parametrize("k", [1, 2, 3])
def test_vectorised_equals_reference(k):
    g = graph()
    got = ego_hashes(g, k)
    want = [reference_hash(SKUS, CATS, EDGES, r, k) for r in range(len(SKUS))]
    assert got == want


def test_pinned_values():
    """Stored hashes must not change with numpy, scipy or networkx upgrades."""
    k1, k2 = by_sku(graph(), 1), by_sku(graph(), 2)
    assert {s: k1[s] for s in PINNED_K1} == PINNED_K1
    assert {s: k2[s] for s in PINNED_K2} == PINNED_K2


def test_invariant_under_node_relabelling():
    base1, base2 = by_sku(graph(), 1), by_sku(graph(), 2)
    rng = random.Random(7)
    for _ in range(5):
        order = list(range(len(SKUS)))
        rng.shuffle(order)
        g = graph(order)
        assert by_sku(g, 1) == base1
        assert by_sku(g, 2) == base2


def test_structure_decides():
    k1, k2 = by_sku(graph(), 1), by_sku(graph(), 2)
    # cam1 has a bag and a CO_VIEWED lens link that cam2 lacks
    assert k1["cam1"] != k1["cam2"]
    assert k2["lens1"] != k2["lens2"]
    # interchangeable straps always agree; at 1 hop a strap looks like cam1's bag, at 2 hops it does not
    assert k1["strap1"] == k1["strap2"] == k1["bag"]
    assert k2["strap1"] == k2["strap2"] != k2["bag"]
    # an isolated product's ego network is itself: only its category counts
    iso = edge_list_from_arrays(["x", "y"], ["Lens", "Lens"], [])
    assert len(set(ego_hashes(iso, 1))) == 1
    assert by_sku(graph(), 1)["lone"] == ego_hashes(iso, 1)[0]
    assert all(len(h) == 32 for h in k2.values())


def test_bad_k():
    with pytest.raises(InputError):
        property_name(0)
    with pytest.raises(InputError):
        ego_hashes(graph(), 4)
    assert property_name(2) == "wl_hash_k2"


@st.composite
def small_graphs(draw):
    n = draw(st.integers(1, 9))
    cats = [draw(st.sampled_from(["A", "B"])) for _ in range(n)]
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                    st.sampled_from(["CO_PURCHASED", "CO_VIEWED"])), max_size=3 * n))
    return [f"s{i}" for i in range(n)], cats, edges


def _rooted_ego(skus, cats, edges, root, k):
    und = nx.Graph()
    und.add_nodes_from(range(len(skus)))
    und.add_edges_from((a, b) for a, b, _ in edges if a != b)
    ball = set(nx.single_source_shortest_path_length(und, root, cutoff=k))
    g = nx.DiGraph()
    for v in ball:
        g.add_node(v, lab=(cats[v], v == root))
    for a, b, t in edges:
        if a != b and a in ball and b in ball:
            if not g.has_edge(a, b):
                g.add_edge(a, b, rels=[])
            g[a][b]["rels"].append(t)
    return g


@settings(max_examples=150, deadline=None)
@given(small_graphs(), st.sampled_from([1, 2]))
def test_isomorphic_ego_networks_hash_equal(case, k):
    skus, cats, edges = case
    g = edge_list_from_arrays(skus, cats, edges, ("CO_PURCHASED", "CO_VIEWED"))
    hashes = ego_hashes(g, k)
    assert hashes == [reference_hash(skus, cats, edges, r, k) for r in range(len(skus))]
    egos = [_rooted_ego(skus, cats, edges, r, k) for r in range(len(skus))]
    for a in range(len(skus)):
        for b in range(a + 1, len(skus)):
            if nx.is_isomorphic(egos[a], egos[b], node_match=lambda x, y: x["lab"] == y["lab"],
                                edge_match=lambda x, y: sorted(x["rels"]) == sorted(y["rels"])):
                assert hashes[a] == hashes[b]


def test_chunking_gives_the_same_hashes(monkeypatch):
    
    rng = np.random.default_rng(3)
    n = 60
    edges = [(int(a), int(b), "CO_PURCHASED") for a, b in rng.integers(0, n, size=(200, 2))]
    g = edge_list_from_arrays([f"p{i}" for i in range(n)], ["A" if i % 3 else "B" for i in range(n)], edges)
    whole = ego_hashes(g, 2)
    monkeypatch.setattr(wl, "CHUNK_BUDGET", 50)
    assert ego_hashes(g, 2) == whole


# == wl2: the whole-graph hash ======================================================================

# Pinned wl2 (what `relmine wl-hash` writes): a change here breaks every stored p.wl_hash_k<k>.
PINNED_TREE_K1 = {
    "cam1": "1007e2bd68e02d4322a72dd1219e6e6f", "cam2": "b705b590fcbef83e5c4cedbef7e4bbf4",
    "lens1": "16537b90856cad2edbd5c5f1d4d915f1", "lens2": "6bd9783d93907fa3bc3ac0fc43ea0af8",
    "tri1": "12925661e4f14189055fe84e7a833f30", "tri2": "12925661e4f14189055fe84e7a833f30",
    "bag": "65cb3817654d3d60728f2a03fb5d3339", "lone": "751cb448b18103406e567cb7ec8383ae",
    "strap1": "65cb3817654d3d60728f2a03fb5d3339", "strap2": "65cb3817654d3d60728f2a03fb5d3339",
}
PINNED_TREE_K2 = {
    "cam1": "6bb253c4c8c8db48f1d0193c0faf8202", "cam2": "c3764c7c9c7b91eeb416f6c936e1a81f",
    "lens1": "e73ee7fcc4b907c4aafbfd10bc4fc5a4", "lens2": "033b80a290f79cbcbd81f5c9c2496db3",
    "tri1": "5c6202cc1b9ead131de49ecbf8d26b8b", "tri2": "9b1319876d14c43c0ffa2c1a76cb665d",
    "bag": "a51b2730b1ebbc7bf4fe21cf53e2a7ed", "lone": "97ecea384eaadfb0cd9e8117ee96219d",
    "strap1": "92488aca05e3f8af08ae8fedb6e43adb", "strap2": "92488aca05e3f8af08ae8fedb6e43adb",
}


def reference_tree_hashes(skus, cats, edges, k: int) -> list[str]:
    """The documented wl2, one product at a time in plain Python integers."""
    label = [h64("node:" + c) for c in cats]
    half = [[] for _ in skus]
    for a, b, t in edges:
        if a != b:
            half[a].append((b, h64("out:" + t)))
            half[b].append((a, h64("in:" + t)))
    rounds = [label]
    for t in range(1, k + 1):
        agg = [sum(_mix((label[u] * 0xC2B2AE3D27D4EB4F + lab) & MASK) for u, lab in half[v]) & MASK
               for v in range(len(skus))]
        label = [_mix((label[v] * 0x9E3779B97F4A7C15 + agg[v] + t) & MASK) for v in range(len(skus))]
        rounds.append(label)
    header = f"relmine-{WL_VERSION}|k={k}|".encode()
    return [hashlib.blake2b(header + b"".join(r[v].to_bytes(8, "little") for r in rounds), digest_size=16).hexdigest()
            for v in range(len(skus))]


def unfolding_trees(skus, cats, edges, k: int) -> list:
    """Each product's depth-k unfolding tree as a canonical nested tuple (equal iff isomorphic)."""
    half = [[] for _ in skus]
    for a, b, t in edges:
        if a != b:
            half[a].append((b, "out:" + t))
            half[b].append((a, "in:" + t))
    memo = {}

    def tree(v, d):
        if (v, d) not in memo:
            memo[v, d] = (cats[v],) if d == 0 else (cats[v], tuple(sorted((lab, tree(u, d - 1)) for u, lab in half[v])))
        return memo[v, d]

    return [tree(v, k) for v in range(len(skus))]


def ego_is_tree(skus, edges, root: int, k: int) -> bool:
    """Whether the k-hop ego network (undirected, parallel relations kept, loops dropped) has no cycle."""
    und = nx.Graph()
    und.add_nodes_from(range(len(skus)))
    und.add_edges_from((a, b) for a, b, _ in edges if a != b)
    ball = set(nx.single_source_shortest_path_length(und, root, cutoff=k))
    inside = sum(1 for a, b, _ in edges if a != b and a in ball and b in ball)
    return inside == len(ball) - 1  # connected: a tree has one relation fewer than products


def classes(values) -> set[frozenset[int]]:
    out: dict = {}
    for i, v in enumerate(values):
        out.setdefault(v, set()).add(i)
    return {frozenset(c) for c in out.values()}


@pytest.mark.parametrize("k", [1, 2, 3])
def test_tree_vectorised_equals_reference(k):
    assert tree_hashes(graph(), k) == reference_tree_hashes(SKUS, CATS, EDGES, k)


def test_tree_pinned_values():
    assert by_sku(graph(), 1, tree_hashes) == PINNED_TREE_K1
    assert by_sku(graph(), 2, tree_hashes) == PINNED_TREE_K2


def test_tree_invariant_under_node_relabelling():
    base1, base2 = by_sku(graph(), 1, tree_hashes), by_sku(graph(), 2, tree_hashes)
    rng = random.Random(11)
    for _ in range(5):
        order = list(range(len(SKUS)))
        rng.shuffle(order)
        assert by_sku(graph(order), 1, tree_hashes) == base1
        assert by_sku(graph(order), 2, tree_hashes) == base2


def test_the_test_graph_classes_of_both_hashes():
    """wl2 has wl1's classes on this graph but one: at k=1 it merges tri1 and tri2.

    Their 1-hop ego networks differ only in the relation between two of their
    neighbours (cam1-lens1 is CO_PURCHASED and CO_VIEWED, cam2-lens2 CO_PURCHASED
    only): a relation between two products 1 hop away, which no unfolding tree
    of depth 1 holds. At k=2 the trees reach it and the classes agree again.
    """
    g = graph()
    idx = {s: i for i, s in enumerate(SKUS)}
    for k in (1, 2, 3):
        ego, tree = classes(ego_hashes(g, k)), classes(tree_hashes(g, k))
        if k == 1:
            merged = frozenset({idx["tri1"], idx["tri2"]})
            assert tree == (ego - {frozenset({idx["tri1"]}), frozenset({idx["tri2"]})}) | {merged}
        else:
            assert tree == ego


def test_tree_blocks_give_the_same_hashes(monkeypatch):
    rng = np.random.default_rng(5)
    n = 80
    edges = [(int(a), int(b), "CO_PURCHASED" if a % 2 else "CO_VIEWED") for a, b in rng.integers(0, n, size=(300, 2))]
    g = edge_list_from_arrays([f"p{i}" for i in range(n)], ["A" if i % 3 else "B" for i in range(n)], edges)
    whole = tree_hashes(g, 3)
    monkeypatch.setattr(wl, "ROUND_BLOCK", 7)
    assert tree_hashes(g, 3) == whole


def test_blocks_cover_every_product_once():
    indptr = np.array([0, 5, 5, 5, 30, 31, 31])
    for budget in (1, 4, 6, 100):
        blocks = wl._blocks(indptr, budget)
        assert [lo for lo, _ in blocks][0] == 0 and blocks[-1][1] == 6
        assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
        # a block is over budget only when it is one product
        assert all(indptr[hi] - indptr[lo] <= budget or hi - lo == 1 for lo, hi in blocks)
    assert wl._blocks(np.array([0]), 10) == []


def test_tree_edge_cases():
    empty = edge_list_from_arrays([], [], [])
    assert tree_hashes(empty, 2) == []
    iso = edge_list_from_arrays(["x", "y", "z"], ["Lens", "Lens", "Bag"], [(0, 0, "CO_PURCHASED")])
    h = tree_hashes(iso, 2)
    assert h[0] == h[1] != h[2]  # a self-loop is dropped
    assert tree_hashes(iso, 1) != tree_hashes(iso, 2)  # k is part of the hash
    with pytest.raises(InputError):
        tree_hashes(iso, 4)


@settings(max_examples=150, deadline=None)
@given(small_graphs(), st.sampled_from([1, 2, 3]))
def test_tree_hash_is_the_unfolding_tree(case, k):
    """wl2 equal <=> depth-k unfolding trees isomorphic; and the values are the documented ones."""
    skus, cats, edges = case
    g = edge_list_from_arrays(skus, cats, edges, ("CO_PURCHASED", "CO_VIEWED"))
    hashes = tree_hashes(g, k)
    assert hashes == reference_tree_hashes(skus, cats, edges, k)
    assert classes(hashes) == classes(unfolding_trees(skus, cats, edges, k))


@settings(max_examples=150, deadline=None)
@given(small_graphs(), st.sampled_from([1, 2]))
def test_wl1_classes_refine_wl2_and_differ_only_around_cycles(case, k):
    """Against the per-ego function: equal wl1 implies equal wl2; equal wl2 with different wl1 needs a cycle
    (parallel relations included) in one of the two ego networks."""
    skus, cats, edges = case
    g = edge_list_from_arrays(skus, cats, edges, ("CO_PURCHASED", "CO_VIEWED"))
    ego, tree = ego_hashes(g, k), tree_hashes(g, k)
    for a in range(len(skus)):
        for b in range(a + 1, len(skus)):
            if ego[a] == ego[b]:
                assert tree[a] == tree[b]
            elif tree[a] == tree[b]:
                assert not (ego_is_tree(skus, edges, a, k) and ego_is_tree(skus, edges, b, k))


@st.composite
def small_forests(draw):
    n = draw(st.integers(1, 12))
    cats = [draw(st.sampled_from(["A", "B"])) for _ in range(n)]
    edges = []
    for v in range(1, n):
        parent = draw(st.one_of(st.none(), st.integers(0, v - 1)))
        if parent is not None:
            a, b = (parent, v) if draw(st.booleans()) else (v, parent)
            edges.append((a, b, draw(st.sampled_from(["CO_PURCHASED", "CO_VIEWED"]))))
    return [f"s{i}" for i in range(n)], cats, edges


@settings(max_examples=150, deadline=None)
@given(small_forests(), st.sampled_from([1, 2, 3]))
def test_on_forests_both_hashes_have_the_same_classes(case, k):
    skus, cats, edges = case
    g = edge_list_from_arrays(skus, cats, edges, ("CO_PURCHASED", "CO_VIEWED"))
    assert classes(tree_hashes(g, k)) == classes(ego_hashes(g, k))


@pytest.mark.parametrize("k, edges_a, edges_b", [
    # k=1: the root's two neighbours related to each other (a triangle) or not
    (1, [(0, 1, "CO_PURCHASED"), (0, 2, "CO_PURCHASED"), (1, 2, "CO_VIEWED")],
        [(0, 1, "CO_PURCHASED"), (0, 2, "CO_PURCHASED"), (1, 3, "CO_VIEWED"), (2, 4, "CO_VIEWED"),
         (3, 5, "CO_VIEWED"), (4, 6, "CO_VIEWED")]),
    # k=2: two walks of two relations ending on the same product (a square) or on two look-alikes
    (2, [(0, 1, "CO_PURCHASED"), (0, 2, "CO_PURCHASED"), (1, 3, "CO_PURCHASED"), (2, 3, "CO_PURCHASED")],
        [(0, 1, "CO_PURCHASED"), (0, 2, "CO_PURCHASED"), (1, 3, "CO_PURCHASED"), (2, 4, "CO_PURCHASED"),
         (3, 5, "CO_PURCHASED"), (4, 5, "CO_PURCHASED")]),
    # k=1: two relations of different types to one product, or one each to two look-alikes
    (1, [(0, 1, "CO_PURCHASED"), (0, 1, "CO_VIEWED")],
        [(0, 1, "CO_PURCHASED"), (0, 2, "CO_VIEWED"), (1, 3, "CO_VIEWED"), (2, 4, "CO_PURCHASED")]),
])
def test_what_the_whole_graph_hash_does_not_see(k, edges_a, edges_b):
    """Root 0 of two graphs: the same unfolding tree (equal wl2), different ego networks (different wl1)."""
    def root_hashes(edges):
        n = 1 + max(max(a, b) for a, b, _ in edges)
        g = edge_list_from_arrays([f"p{i}" for i in range(n)], ["A"] * n, edges, ("CO_PURCHASED", "CO_VIEWED"))
        return tree_hashes(g, k)[0], ego_hashes(g, k)[0]

    (tree_a, ego_a), (tree_b, ego_b) = root_hashes(edges_a), root_hashes(edges_b)
    assert tree_a == tree_b
    assert ego_a != ego_b
