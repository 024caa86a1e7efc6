"""A pattern's automorphism group and the symmetry-breaking conditions drawn from it.

An automorphism of a pattern is a permutation of its nodes that maps every
node onto one with the same (normalised) label and predicates and every edge
onto an edge with the same types, direction and predicates. Two embeddings
``f`` and ``f∘σ`` (``σ`` an automorphism) find the same subgraph, so a
pattern with ``|Aut|`` automorphisms finds each subgraph ``|Aut|`` times.

:func:`symmetry_conditions` returns the conditions of Grochow & Kellis
(RECOMB 2007): repeatedly take the first node ``v`` whose orbit under the
current group is not trivial, require ``m(v) < m(u)`` for every other ``u`` in
that orbit, and continue with the stabiliser of ``v``. Exactly one embedding
of every orbit satisfies them all, for any total order of graph nodes (the
compiler uses ``elementId``).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import networkx as nx
from networkx.algorithms.isomorphism import DiGraphMatcher

from relmine.motifs.pattern import Pattern


def pattern_digraph(p: Pattern) -> nx.DiGraph:
    """The pattern as a DiGraph: node attribute ``sig``; edge attribute ``req``, the
    sorted multiset of what each ordered pair must carry (an undirected pattern
    edge puts an ``any`` requirement on both ordered pairs)."""
    g = nx.DiGraph()
    for n in p.nodes:
        g.add_node(n.name, sig=n.signature())
    reqs: dict[tuple[str, str], list] = {}
    for e in p.edges:
        if e.directed:
            reqs.setdefault((e.src, e.dst), []).append(("out", e.requirement()))
        else:
            reqs.setdefault((e.src, e.dst), []).append(("any", e.requirement()))
            reqs.setdefault((e.dst, e.src), []).append(("any", e.requirement()))
    for (a, b), items in reqs.items():
        g.add_edge(a, b, req=tuple(sorted(items, key=repr)))
    return g


def automorphisms(p: Pattern) -> list[dict[str, str]]:
    """Every automorphism of the pattern (the identity first)."""
    return [dict(m) for m in _automorphisms(p)]


@lru_cache(maxsize=256)
def _automorphisms(p: Pattern) -> tuple[tuple[tuple[str, str], ...], ...]:
    g = pattern_digraph(p)
    gm = DiGraphMatcher(g, g, node_match=lambda a, b: a["sig"] == b["sig"],
                        edge_match=lambda a, b: Counter(a["req"]) == Counter(b["req"]))
    found = {tuple(sorted(m.items())) for m in gm.isomorphisms_iter()}
    identity = tuple((n, n) for n in sorted(p.names))
    return (identity,) + tuple(sorted(found - {identity}))


def symmetry_conditions(p: Pattern) -> list[tuple[str, str]]:
    """Pairs ``(v, u)``: an embedding ``m`` is kept when ``m(v) < m(u)`` for all of them."""
    group = automorphisms(p)
    order = list(p.names)
    conditions: list[tuple[str, str]] = []
    while len(group) > 1:
        for v in order:
            orbit = {s[v] for s in group}
            if len(orbit) > 1:
                break
        else:  # pragma: no cover - a non-trivial group moves some node
            raise AssertionError("non-trivial automorphism group fixes every node")
        conditions.extend((v, u) for u in order if u in orbit and u != v)
        group = [s for s in group if s[v] == v]
    return conditions
