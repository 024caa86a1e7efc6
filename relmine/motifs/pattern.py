"""The pattern model: validated, normalised dataclasses a compiler can trust.

A :class:`Pattern` is a small connected graph of :class:`NodeSpec` (a label and
property predicates) and :class:`EdgeSpec` (relationship types, directed or
not, and property predicates). Everything that could end up in a Cypher
statement's *text* is checked here against a whitelist or a strict pattern:
labels and relationship types against whitelists, variable and property names
against strict regular expressions. Values only ever travel as ``$parameters``.

Patterns are built from a dict spec (JSON/YAML, :func:`pattern_from_spec`) or
from the Cypher-like ASCII form (:mod:`relmine.motifs.ascii`); both end in
:func:`build_pattern`, which validates and normalises:

* an ``in`` predicate with one value becomes ``eq``; ``in`` values are
  de-duplicated and sorted; a ``range`` needs a ``min`` or a ``max``;
* an incoming edge ``(a)<-[:T]-(b)`` becomes the outgoing edge ``(b)-[:T]->(a)``;
* relationship type lists are de-duplicated and sorted;
* ``min_weight: w`` on an edge is the predicate ``weight >= w``.

Normalised syntax is what the automorphism group sees (see ``symmetry.py``):
two nodes are interchangeable when their normalised labels and predicates are
equal.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from relmine.errors import InputError
from relmine.relations import OBSERVED, WRITTEN

#: Node labels a pattern may name.
LABELS: tuple[str, ...] = ("Product", "Category", "Order", "Cluster", "Rule", "Motif")
#: Relationship types a pattern may name.
REL_TYPES: tuple[str, ...] = tuple(dict.fromkeys(OBSERVED + WRITTEN + ("HAS_MEMBER",)))
#: Types an edge written without a type (``-->``) stands for: the observed product relations.
DEFAULT_EDGE_TYPES: tuple[str, ...] = tuple(OBSERVED)
#: The label of a node written without one.
DEFAULT_LABEL = "Product"

MAX_NODES = 6
MAX_EDGES = 12
MAX_PREDICATES = 8
MAX_IN_VALUES = 100
MAX_STRING = 200

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
PROPERTY_RE = re.compile(r"^[a-z][A-Za-z0-9_]{0,63}$")
TYPE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
LABEL_RE = re.compile(r"^[A-Z][A-Za-z0-9_]{0,63}$")

Scalar = str | int | float | bool


@dataclass(frozen=True, order=True)
class Predicate:
    """``key op value``: ``eq`` (one value), ``in`` (a tuple), ``range`` (``(min, max)``, either None)."""

    key: str
    op: str
    value: Any

    def holds(self, props: Mapping[str, Any]) -> bool:
        """Evaluate on a property map, as Cypher would (a missing property never matches)."""
        v = props.get(self.key)
        if v is None:
            return False
        if self.op == "eq":
            return _same(v, self.value)
        if self.op == "in":
            return any(_same(v, x) for x in self.value)
        lo, hi = self.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        return (lo is None or v >= lo) and (hi is None or v <= hi)

    def sort_key(self) -> tuple:
        return (self.key, self.op, repr(self.value))


@dataclass(frozen=True)
class NodeSpec:
    name: str
    label: str = DEFAULT_LABEL
    predicates: tuple[Predicate, ...] = ()

    def signature(self) -> tuple:
        return (self.label, tuple(p.sort_key() for p in self.predicates))


@dataclass(frozen=True)
class EdgeSpec:
    """A pattern edge ``src -> dst`` (``directed``) or ``src - dst`` (either direction)."""

    src: str
    dst: str
    types: tuple[str, ...]
    directed: bool = True
    predicates: tuple[Predicate, ...] = ()

    def requirement(self) -> tuple:
        """What a relationship must be, apart from its endpoints (hashable, canonical)."""
        return (self.types, tuple(p.sort_key() for p in self.predicates))

    def satisfied_by(self, rel_type: str, props: Mapping[str, Any]) -> bool:
        return rel_type in self.types and all(p.holds(props) for p in self.predicates)


@dataclass(frozen=True)
class Pattern:
    """A validated, connected pattern of 1..MAX_NODES nodes."""

    nodes: tuple[NodeSpec, ...]
    edges: tuple[EdgeSpec, ...]
    source: str = field(default="", compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def node(self, name: str) -> NodeSpec:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def relevant_types(self) -> tuple[str, ...]:
        """The relationship types that count for ``induced`` matching: those the pattern names."""
        return tuple(sorted({t for e in self.edges for t in e.types}))


# -- building and validation ---------------------------------------------------

def _same(a: Any, b: Any) -> bool:
    """Cypher equality for scalars: numbers compare by value, booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def check_name(name: Any, what: str = "node name") -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise InputError(f"{what} {name!r} is not allowed: use a letter then letters, digits or _ (at most 32)")
    return name


def check_label(label: Any) -> str:
    if not isinstance(label, str) or not LABEL_RE.match(label):
        raise InputError(f"label {label!r} is not a valid name")
    if label not in LABELS:
        raise InputError(f"unknown label {label!r}; known: {', '.join(LABELS)}")
    return label


def check_type(name: Any, allowed: Iterable[str] = REL_TYPES) -> str:
    if not isinstance(name, str) or not TYPE_RE.match(name):
        raise InputError(f"relationship type {name!r} is not a valid name (upper case letters, digits, _)")
    allowed = tuple(allowed)
    if name not in allowed:
        raise InputError(f"unknown relationship type {name!r}; known: {', '.join(allowed)}")
    return name


def check_property(key: Any, where: str) -> str:
    if not isinstance(key, str) or not PROPERTY_RE.match(key):
        raise InputError(f"{where}: property name {key!r} is not allowed "
                         "(a lower-case letter, then letters, digits or _)")
    return key


def _scalar(value: Any, where: str) -> Scalar:
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{where}: {value!r} is not a finite number")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise InputError(f"{where}: string longer than {MAX_STRING} characters")
        return value
    raise InputError(f"{where}: {value!r} is not a string, number or boolean")


def _number(value: Any, where: str) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where}: {value!r} is not a number")
    return value


def predicate(key: str, raw: Any, where: str) -> Predicate:
    """One predicate from its spec value: a scalar (eq), a list (in) or ``{min, max}`` (range)."""
    key = check_property(key, where)
    here = f"{where}.{key}"
    if isinstance(raw, Mapping):
        extra = set(raw) - {"min", "max", "eq", "in"}
        if extra:
            raise InputError(f"{here}: unknown operator(s) {sorted(extra)}; use min/max, eq or in")
        ops = [k for k in ("eq", "in") if k in raw]
        if ops and (len(raw) > 1):
            raise InputError(f"{here}: give one of eq, in, or min/max")
        if "eq" in raw:
            return predicate(key, raw["eq"], where)
        if "in" in raw:
            if not isinstance(raw["in"], (list, tuple)):
                raise InputError(f"{here}: 'in' needs a list")
            return predicate(key, list(raw["in"]), where)
        lo, hi = _number(raw.get("min"), f"{here}.min"), _number(raw.get("max"), f"{here}.max")
        if lo is None and hi is None:
            raise InputError(f"{here}: a range needs min or max")
        if lo is not None and hi is not None and lo > hi:
            raise InputError(f"{here}: min {lo} is greater than max {hi}")
        return Predicate(key, "range", (lo, hi))
    if isinstance(raw, (list, tuple)):
        if not raw:
            raise InputError(f"{here}: an empty list matches nothing")
        if len(raw) > MAX_IN_VALUES:
            raise InputError(f"{here}: more than {MAX_IN_VALUES} values")
        values: list[Scalar] = []
        for i, v in enumerate(raw):
            v = _scalar(v, f"{here}[{i}]")
            if not any(_same(v, w) and type(v) is type(w) for w in values):
                values.append(v)
        if len(values) == 1:
            return Predicate(key, "eq", values[0])
        return Predicate(key, "in", tuple(sorted(values, key=lambda v: (type(v).__name__, v))))
    if raw is None:
        raise InputError(f"{here}: null matches nothing (omit the property instead)")
    return Predicate(key, "eq", _scalar(raw, here))


def predicates(props: Mapping[str, Any] | None, where: str) -> tuple[Predicate, ...]:
    if props is None:
        return ()
    if not isinstance(props, Mapping):
        raise InputError(f"{where}: properties must be a map")
    if len(props) > MAX_PREDICATES:
        raise InputError(f"{where}: at most {MAX_PREDICATES} property predicates")
    preds = [predicate(k, v, where) for k, v in props.items()]
    return tuple(sorted(preds, key=Predicate.sort_key))


def edge_predicates(props: Mapping[str, Any] | None, min_weight: Any, where: str) -> tuple[Predicate, ...]:
    props = dict(props or {})
    if "min_weight" in props:
        if min_weight is not None:
            raise InputError(f"{where}: min_weight given twice")
        min_weight = props.pop("min_weight")
    if min_weight is not None:
        if "weight" in props:
            raise InputError(f"{where}: give either weight or min_weight")
        props["weight"] = {"min": _number(min_weight, f"{where}.min_weight")}
    return predicates(props, where)


def build_pattern(nodes: list[NodeSpec], edges: list[EdgeSpec], *, source: str = "",
                  allowed_types: Iterable[str] = REL_TYPES, max_nodes: int = MAX_NODES) -> Pattern:
    """Validate names, size and connectivity; normalise; return the :class:`Pattern`."""
    allowed = tuple(allowed_types)
    if not nodes:
        raise InputError("a pattern needs at least one node")
    if len(nodes) > max_nodes:
        raise InputError(f"pattern has {len(nodes)} nodes; at most {max_nodes} are allowed")
    if len(edges) > MAX_EDGES:
        raise InputError(f"pattern has {len(edges)} edges; at most {MAX_EDGES} are allowed")
    seen: set[str] = set()
    for n in nodes:
        if n.name in seen:
            raise InputError(f"node {n.name!r} is declared twice")
        seen.add(n.name)
    norm_edges: list[EdgeSpec] = []
    for i, e in enumerate(edges):
        where = f"edge {i + 1} ({e.src}->{e.dst})"
        for end in (e.src, e.dst):
            if end not in seen:
                raise InputError(f"{where}: unknown node {end!r}")
        if e.src == e.dst:
            raise InputError(f"{where}: a pattern edge must join two different nodes")
        if not e.types:
            raise InputError(f"{where}: no relationship type")
        types = tuple(sorted({check_type(t, allowed) for t in e.types}))
        src, dst = e.src, e.dst
        if not e.directed and src > dst:
            src, dst = dst, src
        norm_edges.append(EdgeSpec(src, dst, types, e.directed, e.predicates))
    pattern = Pattern(tuple(nodes), tuple(sorted(norm_edges, key=_edge_key)), source)
    _check_connected(pattern)
    return pattern


def _edge_key(e: EdgeSpec) -> tuple:
    return (e.src, e.dst, e.directed, e.requirement())


def _check_connected(p: Pattern) -> None:
    adj: dict[str, set[str]] = {n: set() for n in p.names}
    for e in p.edges:
        adj[e.src].add(e.dst)
        adj[e.dst].add(e.src)
    start = p.names[0]
    reached, todo = {start}, [start]
    while todo:
        for m in adj[todo.pop()]:
            if m not in reached:
                reached.add(m)
                todo.append(m)
    missing = [n for n in p.names if n not in reached]
    if missing:
        raise InputError(f"pattern is not connected: {', '.join(missing)} cannot be reached from {start!r} "
                         "(join every node to the rest by an edge)")


# -- the dict (JSON / YAML) spec ----------------------------------------------

_NODE_KEYS = {"label", "where"}
_EDGE_KEYS = {"from", "to", "type", "types", "direction", "min_weight", "where"}


def pattern_from_spec(spec: Any, *, source: str = "", allowed_types: Iterable[str] = REL_TYPES) -> Pattern:
    """Build a pattern from a dict spec::

        {"nodes": {"a": {"label": "Product", "where": {"category": "Camera"}}, "b": {}},
         "edges": [{"from": "a", "to": "b", "type": "CO_PURCHASED", "direction": "out", "min_weight": 2}]}

    ``nodes`` may also be a list of ``{"name": ..., ...}``. ``type`` is one type or
    ``types`` a list (either matches); without either, the observed product
    relations. ``direction`` is ``out`` (default), ``in`` or ``any``.
    """
    if not isinstance(spec, Mapping):
        raise InputError("a pattern spec must be a map with 'nodes' and 'edges'")
    extra = set(spec) - {"nodes", "edges"}
    if extra:
        raise InputError(f"pattern spec: unknown key(s) {sorted(extra)}; expected nodes, edges")
    nodes = [_node_spec(name, body) for name, body in _named_nodes(spec.get("nodes"))]
    raw_edges = spec.get("edges") or []
    if not isinstance(raw_edges, list):
        raise InputError("pattern spec: 'edges' must be a list")
    edges = [_edge_spec(body, f"edges[{i}]") for i, body in enumerate(raw_edges)]
    return build_pattern(nodes, edges, source=source, allowed_types=allowed_types)


def _named_nodes(raw_nodes: Any) -> list[tuple[Any, Any]]:
    """``(name, body)`` of a spec's nodes, given as a map of name -> body or a list of bodies with a name."""
    if isinstance(raw_nodes, list):
        items = []
        for i, n in enumerate(raw_nodes):
            if not isinstance(n, Mapping) or "name" not in n:
                raise InputError(f"nodes[{i}]: needs a name")
            items.append((n["name"], {k: v for k, v in n.items() if k != "name"}))
        return items
    if isinstance(raw_nodes, Mapping):
        return list(raw_nodes.items())
    raise InputError("pattern spec: 'nodes' must be a map of name -> node (or a list)")


def _node_spec(name: Any, body: Any) -> NodeSpec:
    """One node of a spec: a label (default ``Product``) and ``where`` predicates."""
    name = check_name(name)
    body = body or {}
    if not isinstance(body, Mapping):
        raise InputError(f"node {name!r}: must be a map")
    bad = set(body) - _NODE_KEYS
    if bad:
        raise InputError(f"node {name!r}: unknown key(s) {sorted(bad)}; expected label, where")
    label = check_label(body.get("label", DEFAULT_LABEL))
    return NodeSpec(name, label, predicates(body.get("where"), f"node {name}"))


def _edge_spec(body: Any, where: str) -> EdgeSpec:
    """One edge of a spec (``where`` names it in errors): its ends, types, direction and predicates."""
    if not isinstance(body, Mapping):
        raise InputError(f"{where}: must be a map")
    bad = set(body) - _EDGE_KEYS
    if bad:
        raise InputError(f"{where}: unknown key(s) {sorted(bad)}")
    src, dst = check_name(body.get("from"), f"{where}.from"), check_name(body.get("to"), f"{where}.to")
    if "type" in body and "types" in body:
        raise InputError(f"{where}: give type or types, not both")
    types = body.get("types", body.get("type", list(DEFAULT_EDGE_TYPES)))
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not types:
        raise InputError(f"{where}: types must be a non-empty list")
    direction = body.get("direction", "out")
    if direction not in ("out", "in", "any"):
        raise InputError(f"{where}: direction {direction!r}; use out, in or any")
    if direction == "in":
        src, dst = dst, src
    preds = edge_predicates(body.get("where"), body.get("min_weight"), where)
    return EdgeSpec(src, dst, tuple(types), direction != "any", preds)


def pattern_to_spec(p: Pattern) -> dict[str, Any]:
    """The dict spec of a pattern (round-trips through :func:`pattern_from_spec`)."""

    def where(preds: tuple[Predicate, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pr in preds:
            if pr.op == "eq":
                out[pr.key] = pr.value
            elif pr.op == "in":
                out[pr.key] = list(pr.value)
            else:
                lo, hi = pr.value
                out[pr.key] = {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}
        return out

    nodes = {}
    for n in p.nodes:
        body: dict[str, Any] = {"label": n.label}
        if n.predicates:
            body["where"] = where(n.predicates)
        nodes[n.name] = body
    edges = []
    for e in p.edges:
        body = {"from": e.src, "to": e.dst, "types": list(e.types), "direction": "out" if e.directed else "any"}
        if e.predicates:
            body["where"] = where(e.predicates)
        edges.append(body)
    return {"nodes": nodes, "edges": edges}
