"""An independent oracle for pattern matching: networkx's VF2 (DiGraphMatcher).

The data graph is a ``nx.DiGraph`` whose nodes carry ``props`` (a dict, with
``label``) and whose edges carry ``rels``: the list of ``(type, props)`` of
every relationship from one node to the other (parallel ones included).

A pattern edge without direction cannot be said to VF2 directly; the oracle
enumerates its orientations as pattern variants and takes the union of the
embeddings (for ``induced``, also the variants where both directions are
present, the requirement on either). Counts come from *labelled images*
(matched nodes with their constraints, matched edges with their
requirements): two embeddings have the same image exactly when they differ by
an automorphism, so distinct images are distinct subgraphs, found without
computing any automorphism.
"""

from __future__ import annotations

import itertools
from collections import Counter

import networkx as nx
from networkx.algorithms.isomorphism import DiGraphMatcher

from relmine.motifs.pattern import EdgeSpec, Pattern

Embedding = tuple[tuple[str, object], ...]  # sorted (pattern node, graph node)


def data_graph(nodes: dict[object, dict], rels: list[tuple[object, object, str, dict]]) -> nx.DiGraph:
    g = nx.DiGraph()
    for n, props in nodes.items():
        g.add_node(n, props=props)
    for a, b, t, props in rels:
        if not g.has_edge(a, b):
            g.add_edge(a, b, rels=[])
        g[a][b]["rels"].append((t, props))
    return g


def restrict(g: nx.DiGraph, types: set[str]) -> nx.DiGraph:
    """Only the relationships of ``types`` (pairs left without any are no edge)."""
    h = nx.DiGraph()
    h.add_nodes_from(g.nodes(data=True))
    for a, b, d in g.edges(data=True):
        kept = [r for r in d["rels"] if r[0] in types]
        if kept:
            h.add_edge(a, b, rels=kept)
    return h


def _holds(pr, props: dict) -> bool:
    """A predicate, evaluated here independently of relmine's own evaluation."""
    v = props.get(pr.key)
    if v is None:
        return False
    if pr.op == "eq":
        return v == pr.value
    if pr.op == "in":
        return v in pr.value
    lo, hi = pr.value
    return (lo is None or v >= lo) and (hi is None or v <= hi)


def _node_ok(gattrs: dict, pattrs: dict) -> bool:
    spec = pattrs["spec"]
    props = gattrs["props"]
    return props.get("label") == spec.label and all(_holds(pr, props) for pr in spec.predicates)


def _rel_ok(e: EdgeSpec, rel_type: str, props: dict) -> bool:
    return rel_type in e.types and all(_holds(pr, props) for pr in e.predicates)


def _edge_ok(gattrs: dict, pattrs: dict) -> bool:
    return all(any(_rel_ok(e, t, props) for t, props in gattrs["rels"]) for e in pattrs["reqs"])


def embeddings(g: nx.DiGraph, p: Pattern, *, induced: bool = False) -> set[Embedding]:
    """Every embedding of ``p`` in ``g`` (monomorphisms, or induced isomorphisms)."""
    target = restrict(g, set(p.relevant_types())) if induced else g
    directed = [e for e in p.edges if e.directed]
    undirected = [e for e in p.edges if not e.directed]
    # orientation of an undirected edge: requirement on (src,dst) / (dst,src); for induced also
    # "both present, requirement on one side" (None = present without requirement)
    choices = ["fwd", "bwd", "both_fwd", "both_bwd"] if induced else ["fwd", "bwd"]
    found: set[Embedding] = set()
    for variant in itertools.product(choices, repeat=len(undirected)):
        reqs: dict[tuple[str, str], list[EdgeSpec]] = {}
        for e in directed:
            reqs.setdefault((e.src, e.dst), []).append(e)
        for e, how in zip(undirected, variant):
            a, b = (e.src, e.dst) if how in ("fwd", "both_fwd") else (e.dst, e.src)
            reqs.setdefault((a, b), []).append(e)
            if how.startswith("both"):
                reqs.setdefault((b, a), [])
        pg = nx.DiGraph()
        for n in p.nodes:
            pg.add_node(n.name, spec=n)
        for (a, b), rs in reqs.items():
            pg.add_edge(a, b, reqs=rs)
        gm = DiGraphMatcher(target, pg, node_match=_node_ok, edge_match=_edge_ok)
        it = gm.subgraph_isomorphisms_iter() if induced else gm.subgraph_monomorphisms_iter()
        for m in it:
            found.add(tuple(sorted((pn, gn) for gn, pn in m.items())))
    return found


def image(p: Pattern, emb: dict[str, object]) -> tuple:
    """The labelled image of an embedding: equal for two embeddings iff they differ by an automorphism."""
    nodes = frozenset((emb[n.name], n.signature()) for n in p.nodes)
    edges = Counter()
    for e in p.edges:
        if e.directed:
            edges[("d", emb[e.src], emb[e.dst], e.requirement())] += 1
        else:
            edges[("u", frozenset((emb[e.src], emb[e.dst])), e.requirement())] += 1
    return nodes, frozenset(edges.items())


def subgraphs(p: Pattern, embs: set[Embedding]) -> set[tuple]:
    return {image(p, dict(e)) for e in embs}
