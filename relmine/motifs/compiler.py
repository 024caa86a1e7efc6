"""Compile a :class:`~relmine.motifs.pattern.Pattern` into one parameterised Cypher statement.

Semantics (docs/patterns.md has the long form):

* A **match** (embedding) maps every pattern node to a distinct graph node
  (node-injective: a subgraph *monomorphism*) such that the node has the
  label and satisfies the predicates, and for every pattern edge *some*
  relationship of one of its types, in its direction (either, for ``-[]-``),
  satisfies its predicates. Pattern edges are existence constraints on node
  pairs: parallel relationships never multiply a match, and two pattern edges
  between the same pair may be met by one relationship.
* **induced**: in addition, for every ordered pair of matched nodes that no
  pattern edge covers, there is no relationship at all (whatever its
  properties) of a *relevant* type, i.e. a type named anywhere in the pattern;
  nor a relevant self-loop on a matched node (patterns have no loops).
* **count** is the number of distinct subgraphs: embeddings up to the
  pattern's automorphisms (``symmetry.py``), i.e. embeddings / ``|Aut|``.
  Symmetry-breaking conditions on ``elementId`` keep one embedding per
  subgraph; ``symmetry=False`` lists every embedding.

The statement text contains only whitelisted labels and types, validated
property names and generated variables ``n0..`` / ``r0..``; every value is a
``$parameter``. Rows are limited by ``$limit``; the caller sets a transaction
timeout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from relmine.gateway import Statement
from relmine.motifs.pattern import LABELS, PROPERTY_RE, REL_TYPES, EdgeSpec, Pattern, Predicate
from relmine.motifs.symmetry import automorphisms, symmetry_conditions


@dataclass(frozen=True)
class CompiledPattern:
    """A statement, its parameters (without ``limit``), and how to read its rows."""

    statement: Statement
    params: dict[str, Any]
    names: tuple[str, ...]          # pattern node names, in the order of the ``m`` column
    automorphisms: int
    symmetry: bool
    induced: bool
    count: bool
    conditions: tuple[tuple[str, str], ...] = field(default=())

    @property
    def text(self) -> str:
        return self.statement.text


class _Params:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = list(value) if isinstance(value, tuple) else value
        return f"${name}"


def _prop(var: str, key: str) -> str:
    if not PROPERTY_RE.match(key):  # defence in depth: Pattern already validated it
        raise ValueError(f"bad property name {key!r}")
    return f"{var}.`{key}`"


def _predicate(var: str, pr: Predicate, params: _Params) -> list[str]:
    ref = _prop(var, pr.key)
    if pr.op == "eq":
        return [f"{ref} = {params.add(pr.value)}"]
    if pr.op == "in":
        return [f"{ref} IN {params.add(pr.value)}"]
    lo, hi = pr.value
    out = []
    if lo is not None:
        out.append(f"{ref} >= {params.add(lo)}")
    if hi is not None:
        out.append(f"{ref} <= {params.add(hi)}")
    return out


def _types(types: tuple[str, ...]) -> str:
    for t in types:
        if t not in REL_TYPES:  # defence in depth
            raise ValueError(f"relationship type {t!r} is not whitelisted")
    return "|".join(types)


def _label(label: str) -> str:
    if label not in LABELS:  # defence in depth
        raise ValueError(f"label {label!r} is not whitelisted")
    return label


def _key(var: str) -> str:
    return f"coalesce({var}.sku, {var}.path, {var}.id, elementId({var}))"


def _order(p: Pattern) -> list[int]:
    """Edge indices in the order they are matched: a spanning walk from the most selective node."""
    def score(i: int) -> tuple:
        n = p.nodes[i]
        return (-sum(3 if pr.op != "range" else 1 for pr in n.predicates), i)

    names = list(p.names)
    root = names[min(range(len(names)), key=score)]
    bound = {root}
    order: list[int] = []
    left = list(range(len(p.edges)))
    while left:
        # prefer an edge closing onto bound nodes, then one reaching a new node
        pick = next((k for k in left if p.edges[k].src in bound and p.edges[k].dst in bound), None)
        if pick is None:
            pick = next(k for k in left if p.edges[k].src in bound or p.edges[k].dst in bound)
        left.remove(pick)
        order.append(pick)
        bound |= {p.edges[pick].src, p.edges[pick].dst}
    return [names.index(root)] + order


class _Matcher:
    """The ``MATCH`` lines of a pattern, walked one edge at a time: each node's conditions (its predicates,
    the symmetry breaking, distinctness, no relevant self-loop when ``induced``) go where it is first bound."""

    def __init__(self, p: Pattern, params: _Params, conditions: list[tuple[str, str]], relevant: str):
        self.p = p
        self.params = params
        self.var = {n.name: f"n{i}" for i, n in enumerate(p.nodes)}
        self.node_of = {n.name: n for n in p.nodes}
        self.conditions = conditions
        self.ordered_pairs = {frozenset(c) for c in conditions}
        self.relevant = relevant      # induced: the relevant types as ``A|B``; "" otherwise
        self.bound: set[str] = set()
        self.pending_pairs = [(a, b) for i, a in enumerate(p.names) for b in p.names[i + 1:]]

    def node_pattern(self, name: str) -> str:
        if name in self.bound:
            return f"({self.var[name]})"
        return f"({self.var[name]}:{_label(self.node_of[name].label)})"

    def newly_bound_conditions(self, new: list[str]) -> list[str]:
        var, bound = self.var, self.bound
        conds: list[str] = []
        for name in new:
            for pr in self.node_of[name].predicates:
                conds += _predicate(var[name], pr, self.params)
            if self.relevant:  # induced: a matched node carries no relevant self-loop (checked once, when bound)
                conds.append(f"NOT EXISTS {{ ({var[name]})-[:{self.relevant}]->({var[name]}) }}")
        for v, u in self.conditions:
            if (v in new or u in new) and v in bound and u in bound:
                conds.append(f"elementId({var[v]}) < elementId({var[u]})")
        for a, b in list(self.pending_pairs):
            if a in bound and b in bound and (a in new or b in new):
                self.pending_pairs.remove((a, b))
                if frozenset((a, b)) not in self.ordered_pairs:
                    conds.append(f"{var[a]} <> {var[b]}")
        return conds

    def lone_node(self, root: str) -> list[str]:
        """A pattern of one node and no edge."""
        self.bound.add(root)
        conds = self.newly_bound_conditions([root])
        lines = [f"MATCH ({self.var[root]}:{_label(self.node_of[root].label)})"]  # cypher-safe: generated variable, whitelisted label
        if conds:
            lines.append("WHERE " + " AND ".join(conds))
        return lines

    def edge(self, rel: str, e: EdgeSpec) -> list[str]:
        """The next edge, as relationship variable ``rel``."""
        left, right = self.node_pattern(e.src), self.node_pattern(e.dst)
        arrow = "->" if e.directed else "-"
        lines = [f"MATCH {left}-[{rel}:{_types(e.types)}]{arrow}{right}"]
        new = [n for n in (e.src, e.dst) if n not in self.bound]
        self.bound.update(new)
        conds = self.newly_bound_conditions(new)
        for pr in e.predicates:
            conds += _predicate(rel, pr, self.params)
        if conds:
            lines.append("WHERE " + " AND ".join(conds))
        return lines


def compile_pattern(p: Pattern, *, induced: bool = False, symmetry: bool = True,
                    count: bool = False) -> CompiledPattern:
    """One statement for ``p``.

    Returns rows ``m`` (a list of node keys, in :attr:`CompiledPattern.names`
    order: ``sku``, else ``path``, else ``id``, else the ``elementId``) limited
    by ``$limit``, or with ``count=True`` one row ``n``.
    """
    params = _Params()
    conditions = symmetry_conditions(p) if symmetry else []
    root_index, *edge_order = _order(p)
    matcher = _Matcher(p, params, conditions, _types(p.relevant_types()) if induced and p.edges else "")
    lines = [] if edge_order else matcher.lone_node(p.nodes[root_index].name)
    for j, k in enumerate(edge_order):
        lines += matcher.edge(f"r{j}", p.edges[k])
    lines += _return_lines(p, matcher.var, induced, count)
    mode = ("count" if count else "rows") + ("_induced" if induced else "") + ("" if symmetry else "_embeddings")
    return CompiledPattern(Statement("\n".join(lines), f"motifs/pattern_{mode}"), params.values,
                           p.names, len(automorphisms(p)), symmetry, induced, count, tuple(conditions))


def _return_lines(p: Pattern, var: dict[str, str], induced: bool, count: bool) -> list[str]:
    """One row per subgraph (parallel relationships repeat a match), the induced conditions, then the count
    or the rows."""
    # parallel relationships (several types, both directions, repeated runs) repeat a row: keep one
    lines = [f"WITH DISTINCT {', '.join(var[n] for n in p.names)}"]
    absent = _induced_conditions(p, var) if induced else []
    if absent:
        lines.append("WHERE " + " AND ".join(absent))
    if count:
        lines.append("RETURN count(*) AS n")
    else:
        lines.append(f"RETURN [{', '.join(_key(var[n]) for n in p.names)}] AS m")
        lines.append("LIMIT $limit")
    return lines


def _induced_conditions(p: Pattern, var: dict[str, str]) -> list[str]:
    relevant = p.relevant_types()
    covered: set[tuple[str, str]] = set()
    for e in p.edges:
        covered.add((e.src, e.dst))
        if not e.directed:
            covered.add((e.dst, e.src))
    types = _types(relevant)
    out = []
    names = list(p.names)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ab, ba = (a, b) in covered, (b, a) in covered
            if not ab and not ba:
                out.append(f"NOT EXISTS {{ ({var[a]})-[:{types}]-({var[b]}) }}")
            elif not ab:
                out.append(f"NOT EXISTS {{ ({var[a]})-[:{types}]->({var[b]}) }}")
            elif not ba:
                out.append(f"NOT EXISTS {{ ({var[b]})-[:{types}]->({var[a]}) }}")
    return out
