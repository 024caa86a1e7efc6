"""Automorphisms, symmetry breaking and the compiled Cypher (no database needed)."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmine.motifs import automorphisms, compile_pattern, parse_ascii, pattern_from_spec, symmetry_conditions
from tests import motif_oracle as oracle

T = "CO_PURCHASED"


@pytest.mark.parametrize("text,size", [
    (f"(a)-[:{T}]-(b)", 2),
    (f"(a)-[:{T}]->(b)", 1),
    (f"(a)-[:{T}]->(b), (b)-[:{T}]->(a)", 2),
    (f"(a)-[:{T}]-(b)-[:{T}]-(c)-[:{T}]-(a)", 6),
    (f"(a)-[:{T}]->(b)-[:{T}]->(c)-[:{T}]->(a)", 3),
    (f"(a)-[:{T}]->(b)-[:{T}]->(c), (a)-[:{T}]->(c)", 1),
    (f"(h)-[:{T}]->(x), (h)-[:{T}]->(y), (h)-[:{T}]->(z)", 6),
    (f"(a)-[:{T}]-(b)-[:{T}]-(c)", 2),
    (f"(a)-[:{T}]-(b)-[:{T}]-(c)-[:{T}]-(d)-[:{T}]-(a)", 8),
    (f"(a)-[:{T}]-(b), (a)-[:{T}]-(c), (a)-[:{T}]-(d), (b)-[:{T}]-(c), (b)-[:{T}]-(d), (c)-[:{T}]-(d)", 24),
    # predicates, types, weights and directions break symmetry
    (f"(a {{category: 'Lens'}})-[:{T}]-(b)-[:{T}]-(c)-[:{T}]-(a)", 2),
    (f"(a)-[:{T}]-(b)-[:{T}]-(c)-[:CO_VIEWED]-(a)", 2),
    (f"(a)-[:{T} {{min_weight: 2}}]-(b)-[:{T}]-(c)", 1),
    (f"(a)-[:{T}|CO_VIEWED]-(b)-[:CO_VIEWED|{T}]-(c)", 2),
])
def test_automorphism_group_sizes(text, size):
    p = parse_ascii(text)
    group = automorphisms(p)
    assert len(group) == size
    assert group[0] == {n: n for n in p.names}
    # a group: closed under composition
    keys = {tuple(sorted(s.items())) for s in group}
    for s in group:
        for t in group:
            assert tuple(sorted({n: s[t[n]] for n in p.names}.items())) in keys


def test_triangle_conditions_order_all_three():
    p = parse_ascii(f"(a)-[:{T}]-(b)-[:{T}]-(c)-[:{T}]-(a)")
    assert symmetry_conditions(p) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert symmetry_conditions(parse_ascii(f"(a)-[:{T}]->(b)")) == []


def _order_keep(p, emb: dict, rank: dict) -> bool:
    return all(rank[emb[v]] < rank[emb[u]] for v, u in symmetry_conditions(p))


@st.composite
def random_cases(draw):
    n = draw(st.integers(3, 8))
    rels = [(f"g{a}", f"g{b}", draw(st.sampled_from([T, "CO_VIEWED"])), {})
            for a, b in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=4 * n))
            if a != b]
    nodes = {f"g{i}": {"label": "Product", "category": draw(st.sampled_from("AB"))} for i in range(n)}
    k = draw(st.integers(2, 4))
    names = "abcd"[:k]
    pairs = [(names[draw(st.integers(0, i - 1))], names[i]) for i in range(1, k)]
    pairs += [(names[a], names[b]) for a, b in draw(st.lists(st.tuples(st.integers(0, k - 1),
                                                                      st.integers(0, k - 1)), max_size=3)) if a != b]
    direction = draw(st.sampled_from(["any", "out", "mixed"]))
    edges = [{"from": a, "to": b, "type": T,
              "direction": direction if direction != "mixed" else draw(st.sampled_from(["any", "out"]))}
             for a, b in pairs]
    return nodes, rels, {"nodes": {x: {} for x in names}, "edges": edges}, draw(st.randoms())


@settings(max_examples=200, deadline=None)
@given(random_cases())
def test_symmetry_conditions_keep_one_embedding_per_subgraph(case):
    """Grochow-Kellis: for any total order of graph nodes, exactly one embedding per subgraph survives."""
    nodes, rels, spec, rnd = case
    p = pattern_from_spec(spec)
    g = oracle.data_graph(nodes, rels)
    embs = [dict(e) for e in oracle.embeddings(g, p)]
    order = list(nodes)
    rnd.shuffle(order)
    rank = {n: i for i, n in enumerate(order)}
    kept = [e for e in embs if _order_keep(p, e, rank)]
    images = [oracle.image(p, e) for e in kept]
    assert len(images) == len(set(images))
    assert set(images) == oracle.subgraphs(p, set(tuple(sorted(e.items())) for e in embs))
    assert len(embs) == len(kept) * len(automorphisms(p))


TEXTS = [
    f"(a {{category: 'Lens', price: {{min: 1, max: 5}}}})-[:{T} {{min_weight: 2}}]->(b)<-[:CO_VIEWED]-(c)",
    f"(a)-[:{T}]-(b)-[:{T}]-(c)-[:{T}]-(a)",
    f"(a:Product)-[:IN_CATEGORY]->(c:Category {{path: 'Photo'}}), (b)-[:IN_CATEGORY]->(c), (a)-[:{T}]-(b)",
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("induced", [False, True])
@pytest.mark.parametrize("count", [False, True])
def test_compiled_text_is_safe_and_complete(text, induced, count):
    p = parse_ascii(text)
    c = compile_pattern(p, induced=induced, count=count)
    # only whitelisted names, generated variables and parameters
    for label in re.findall(r"\(n\d+:(\w+)\)", c.text):
        assert label in ("Product", "Category")
    for types in re.findall(r"\[(?:r\d+)?:([A-Z_|]+)\]", c.text):
        assert all(t in ("CO_PURCHASED", "CO_VIEWED", "IN_CATEGORY") for t in types.split("|"))
    assert "'" not in c.text and '"' not in c.text
    for value in c.params.values():
        assert str(value) not in c.text or isinstance(value, (int, float))
    assert all(f"${name}" in c.text for name in c.params)
    # node-injective: every pair of pattern nodes is kept apart
    k = len(p.nodes)
    for i in range(k):
        for j in range(i + 1, k):
            assert (f"n{i} <> n{j}" in c.text or f"elementId(n{i}) < elementId(n{j})" in c.text
                    or f"elementId(n{j}) < elementId(n{i})" in c.text)
    assert ("RETURN count(*) AS n" in c.text) == count
    assert ("LIMIT $limit" in c.text) == (not count)
    assert ("NOT EXISTS" in c.text) == induced
    assert "WITH DISTINCT" in c.text


def test_symmetry_off_lists_embeddings():
    p = parse_ascii(f"(a)-[:{T}]-(b)-[:{T}]-(c)-[:{T}]-(a)")
    assert "elementId(n0) < elementId(n1)" in compile_pattern(p).text
    assert "elementId(n0) <" not in compile_pattern(p, symmetry=False).text
    assert compile_pattern(p).automorphisms == 6


def test_induced_names_the_relevant_types():
    p = parse_ascii(f"(a)-[:{T}]->(b)-[:CO_VIEWED]->(c)")
    text = compile_pattern(p, induced=True).text
    assert "NOT EXISTS { (n0)-[:CO_PURCHASED|CO_VIEWED]-(n2) }" in text
    assert "NOT EXISTS { (n1)-[:CO_PURCHASED|CO_VIEWED]->(n0) }" in text
    assert "NOT EXISTS { (n0)-[:CO_PURCHASED|CO_VIEWED]->(n0) }" in text  # no relevant self-loop


def test_random_patterns_compile_deterministically():
    rng = random.Random(0)
    for _ in range(50):
        k = rng.randint(1, 6)
        names = [f"v{i}" for i in range(k)]
        edges = [{"from": names[rng.randrange(i)], "to": names[i], "type": T,
                  "direction": rng.choice(["in", "out", "any"])} for i in range(1, k)]
        spec = {"nodes": {n: {} for n in names}, "edges": edges}
        a = compile_pattern(pattern_from_spec(spec), induced=True)
        b = compile_pattern(pattern_from_spec(spec), induced=True)
        assert a.text == b.text and a.params == b.params
