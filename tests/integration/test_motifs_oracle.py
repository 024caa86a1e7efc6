"""Pattern matching in real Neo4j against networkx's VF2, on random labelled graph/pattern pairs.

Each example loads a small directed, typed, labelled multigraph (5-12
products, 2-3 categories, 1-2 relationship types, parallel and reciprocal
relationships and the odd self-loop) in one write transaction, draws a
connected pattern of 2-4 nodes (directions out/in/any, type unions, weight and
category/price predicates), and compares with the oracle in
``tests/motif_oracle.py``:

* every embedding relmine lists (``embeddings=True``) is one of networkx's and
  none is missing or repeated;
* the symmetry-broken rows are one per distinct subgraph, all of them;
* ``count_matches`` gives the same numbers;
* the same three for ``induced=True`` against ``subgraph_isomorphisms_iter``.

Zero mismatches are allowed. Examples: ``MOTIF_ORACLE_EXAMPLES`` (default 520).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relmine.motifs import (
    automorphisms,
    count_matches,
    find_matches,
    format_ascii,
    parse_ascii,
    pattern_from_spec,
    pattern_to_spec,
)
from tests import motif_oracle as oracle

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("MOTIF_ORACLE_EXAMPLES", "520"))
CATEGORIES = ["Camera", "Lens", "Tripod"]
TYPE_SETS = [("CO_PURCHASED",), ("CO_PURCHASED", "CO_VIEWED")]
NAMES = "abcd"
ROW_LIMIT = 100_000


@st.composite
def cases(draw):
    n = draw(st.integers(5, 12))
    cats = CATEGORIES[: draw(st.integers(2, 3))]
    types = draw(st.sampled_from(TYPE_SETS))
    nodes = {}
    for i in range(n):
        props = {"label": "Product", "category": draw(st.sampled_from(cats))}
        price = draw(st.one_of(st.none(), st.integers(1, 5)))
        if price is not None:
            props["price"] = price
        nodes[f"s{i}"] = props
    rel = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(types),
                    st.one_of(st.none(), st.integers(1, 3), st.integers(1, 3)))
    rels = []
    for a, b, t, w in draw(st.lists(rel, min_size=n, max_size=4 * n)):
        if a == b and draw(st.integers(0, 3)) > 0:  # keep a few self-loops only
            continue
        rels.append((f"s{a}", f"s{b}", t, {} if w is None else {"weight": w}))

    k = draw(st.integers(2, 4))
    pairs = [(NAMES[draw(st.integers(0, i - 1))], NAMES[i]) for i in range(1, k)]
    extra = st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)).filter(lambda t: t[0] != t[1])
    pairs += [(NAMES[a], NAMES[b]) for a, b in draw(st.lists(extra, max_size=3))]
    node_where = st.one_of(
        st.none(), st.none(), st.none(),
        st.sampled_from(cats).map(lambda c: {"category": c}),
        st.lists(st.sampled_from(cats), min_size=2, max_size=2, unique=True).map(lambda cs: {"category": cs}),
        st.integers(1, 5).map(lambda x: {"price": {"min": x}}),
        st.tuples(st.integers(1, 3), st.integers(3, 5)).map(lambda t: {"price": {"min": t[0], "max": t[1]}}),
    )
    types_of = st.lists(st.sampled_from(types), min_size=1, max_size=2, unique=True)
    weight_of = st.sampled_from([None, None, None, 2])
    # a third of the patterns are "uniform" (one requirement for every edge, one predicate for
    # every node), so that many have non-trivial automorphisms (triangles, stars, paths, cycles)
    uniform = draw(st.integers(0, 2)) == 0
    if uniform:
        same = (draw(types_of), draw(st.sampled_from(["out", "any"])), draw(weight_of), draw(node_where))
    edges, undirected = [], 0
    for a, b in pairs:
        if uniform:
            etypes, direction, w, _ = same
            if direction == "any" and undirected >= 3:
                direction = "out"
        else:
            etypes, w = draw(types_of), draw(weight_of)
            direction = draw(st.sampled_from(["out", "in", "any"] if undirected < 3 else ["out", "in"]))
        undirected += direction == "any"
        edge = {"from": a, "to": b, "types": etypes, "direction": direction}
        if w is not None:
            edge["min_weight"] = w
        edges.append(edge)
    spec_nodes = {}
    for name in NAMES[:k]:
        where = same[3] if uniform else draw(node_where)
        spec_nodes[name] = {"where": where} if where else {}
    return nodes, rels, {"nodes": spec_nodes, "edges": edges}


def load(gw, nodes: dict, rels: list) -> None:
    node_rows = [{"sku": s, "category": p["category"], "price": p.get("price")} for s, p in nodes.items()]
    rel_rows = [{"a": a, "b": b, "t": t, "w": props.get("weight")} for a, b, t, props in rels]

    def work(tx):
        tx.run("MATCH (n:Product) DETACH DELETE n").consume()
        tx.run("UNWIND $rows AS n CREATE (p:Product {sku: n.sku, category: n.category}) SET p.price = n.price",
               rows=node_rows).consume()
        tx.run("UNWIND $rows AS r MATCH (a:Product {sku: r.a}) MATCH (b:Product {sku: r.b}) "
               "CREATE (a)-[x:$(r.t)]->(b) SET x.weight = r.w", rows=rel_rows).consume()

    gw.run_in_transaction(work, name="test_motifs_oracle_load")


def check_mode(gw, g, pattern, *, induced: bool) -> int:
    want_emb = oracle.embeddings(g, pattern, induced=induced)
    want_sub = oracle.subgraphs(pattern, want_emb)

    rows = find_matches(gw, pattern, induced=induced, embeddings=True, limit=ROW_LIMIT)
    got_emb = [tuple(sorted(r.items())) for r in rows]
    assert len(got_emb) == len(set(got_emb)), "an embedding is listed twice"
    assert set(got_emb) == want_emb, (
        f"embeddings differ (induced={induced}): missing {sorted(want_emb - set(got_emb))[:3]}, "
        f"extra {sorted(set(got_emb) - want_emb)[:3]}")

    canon = find_matches(gw, pattern, induced=induced, limit=ROW_LIMIT)
    images = [oracle.image(pattern, r) for r in canon]
    assert len(images) == len(set(images)), "a subgraph is listed twice (symmetry breaking kept two)"
    assert set(images) == want_sub, f"subgraphs differ (induced={induced})"

    count = count_matches(gw, pattern, induced=induced)
    assert count.subgraphs == len(want_sub)
    assert count.embeddings == len(want_emb)
    return len(want_emb)


def test_matches_agree_with_networkx(clean_graph):
    gw = clean_graph
    stats: Counter = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(case=cases())
    def check(case):
        nodes, rels, spec = case
        pattern = pattern_from_spec(spec)
        # the ASCII form says the same pattern
        assert pattern_to_spec(parse_ascii(format_ascii(pattern))) == pattern_to_spec(pattern)
        load(gw, nodes, rels)
        g = oracle.data_graph(nodes, rels)
        mono = check_mode(gw, g, pattern, induced=False)
        ind = check_mode(gw, g, pattern, induced=True)
        assert ind <= mono
        stats["pairs"] += 1
        stats["with_matches"] += mono > 0
        stats["with_induced_matches"] += ind > 0
        stats["symmetric"] += len(automorphisms(pattern)) > 1

    check()
    print(dict(stats))
    assert stats["pairs"] >= EXAMPLES
    # not a vacuous run: many pairs have matches, some induced ones, some symmetric patterns
    assert stats["with_matches"] >= EXAMPLES // 5
    assert stats["with_induced_matches"] >= EXAMPLES // 20
    assert stats["symmetric"] >= EXAMPLES // 50
