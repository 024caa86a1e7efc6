"""relmine's own WL hash of k-hop ego networks: pinned values, invariance, a plain reference."""

from __future__ import annotations

import hashlib
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmine.errors import InputError
from relmine.motifs.edgelist import edge_list_from_arrays
from relmine.motifs.wl import WL_VERSION, h64, property_name, wl_hashes

MASK = (1 << 64) - 1

# A fixed small graph: cameras with accessories, a tripod pair, two interchangeable straps, a lone lens.
SKUS = ["cam1", "cam2", "lens1", "lens2", "tri1", "tri2", "bag", "lone", "strap1", "strap2"]
CATS = ["Camera", "Camera", "Lens", "Lens", "Tripod", "Tripod", "Bag", "Lens", "Bag", "Bag"]
EDGES = [(0, 2, "CO_PURCHASED"), (0, 4, "CO_PURCHASED"), (1, 3, "CO_PURCHASED"), (1, 5, "CO_PURCHASED"),
         (2, 4, "CO_VIEWED"), (3, 5, "CO_VIEWED"), (0, 6, "CO_PURCHASED"), (4, 5, "CO_VIEWED"),
         (5, 4, "CO_VIEWED"), (0, 2, "CO_VIEWED"), (1, 8, "CO_PURCHASED"), (1, 9, "CO_PURCHASED")]

# Pinned: these are the stored values; a change here breaks every stored p.wl_hash_k<k>.
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


def by_sku(g, k):
    return dict(zip(g.skus, wl_hashes(g, k)))


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
    return hashlib.blake2b(f"relmine-{WL_VERSION}|k={k}|h={h}|".encode() + data, digest_size=16).hexdigest()


@pytest.mark.parametrize("k", [1, 2, 3])
def test_vectorised_equals_reference(k):
    g = graph()
    got = wl_hashes(g, k)
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
    assert len(set(wl_hashes(iso, 1))) == 1
    assert by_sku(graph(), 1)["lone"] == wl_hashes(iso, 1)[0]
    assert all(len(h) == 32 for h in k2.values())


def test_bad_k():
    with pytest.raises(InputError):
        property_name(0)
    with pytest.raises(InputError):
        wl_hashes(graph(), 4)
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
    hashes = wl_hashes(g, k)
    assert hashes == [reference_hash(skus, cats, edges, r, k) for r in range(len(skus))]
    egos = [_rooted_ego(skus, cats, edges, r, k) for r in range(len(skus))]
    for a in range(len(skus)):
        for b in range(a + 1, len(skus)):
            if nx.is_isomorphic(egos[a], egos[b], node_match=lambda x, y: x["lab"] == y["lab"],
                                edge_match=lambda x, y: sorted(x["rels"]) == sorted(y["rels"])):
                assert hashes[a] == hashes[b]


def test_chunking_gives_the_same_hashes(monkeypatch):
    import relmine.motifs.wl as wl

    rng = np.random.default_rng(3)
    n = 60
    edges = [(int(a), int(b), "CO_PURCHASED") for a, b in rng.integers(0, n, size=(200, 2))]
    g = edge_list_from_arrays([f"p{i}" for i in range(n)], ["A" if i % 3 else "B" for i in range(n)], edges)
    whole = wl_hashes(g, 2)
    monkeypatch.setattr(wl, "CHUNK_BUDGET", 50)
    assert wl_hashes(g, 2) == whole
