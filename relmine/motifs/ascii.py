"""The Cypher-like ASCII form of a pattern, parsed into a :class:`~relmine.motifs.pattern.Pattern`.

Grammar (whitespace is free between tokens)::

    pattern  := path ("," path)*
    path     := node (rel node)*
    node     := "(" [name] [":" Label] [props] ")"
    rel      := "-" [ "[" [":" TYPE ("|" [":"] TYPE)*] [props] "]" ] "->"     out
              | "<-" [ ... ] "-"                                             in
              | "-" [ ... ] "-"                                              any direction
    props    := "{" [key ":" value ("," key ":" value)*] "}"
    value    := "string" | 'string' | number | true | false
              | "[" value ("," value)* "]"                                    in (any of)
              | "{" ("min" | "max") ":" number ["," ...] "}"                 range

Example: ``(a:Product {category: "Camera"})-[:CO_PURCHASED {min_weight: 2}]->(b)-[:COMPLEMENT]-(c)``.

A name used again refers to the same node (label and properties are given
once). ``()`` is an anonymous node. ``-->`` / ``--`` without a type stand for
the observed product relations. Nothing here reaches Cypher text: names are
validated by :mod:`relmine.motifs.pattern`, values become parameters.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

from relmine.errors import InputError
from relmine.motifs.pattern import (
    DEFAULT_EDGE_TYPES,
    DEFAULT_LABEL,
    REL_TYPES,
    EdgeSpec,
    NodeSpec,
    Pattern,
    build_pattern,
    check_label,
    check_name,
    edge_predicates,
    predicates,
)

MAX_TEXT = 2000
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.i = 0

    # -- low level -------------------------------------------------------------
    def error(self, msg: str) -> InputError:
        snippet = self.text[max(0, self.i - 15): self.i + 15]
        return InputError(f"pattern, column {self.i + 1}: {msg} (near {snippet!r})")

    def ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def peek(self, s: str) -> bool:
        self.ws()
        return self.text.startswith(s, self.i)

    def take(self, s: str) -> bool:
        if self.peek(s):
            self.i += len(s)
            return True
        return False

    def expect(self, s: str, what: str | None = None) -> None:
        if not self.take(s):
            raise self.error(f"expected {what or repr(s)}")

    def ident(self, what: str) -> str:
        self.ws()
        m = _IDENT.match(self.text, self.i)
        if not m:
            raise self.error(f"expected {what}")
        self.i = m.end()
        return m.group(0)

    def at_end(self) -> bool:
        self.ws()
        return self.i >= len(self.text)

    # -- values ------------------------------------------------------------------
    def value(self) -> Any:
        self.ws()
        if self.i >= len(self.text):
            raise self.error("expected a value")
        c = self.text[self.i]
        if c in "\"'":
            return self.string(c)
        if c == "[":
            self.i += 1
            items: list[Any] = []
            if not self.take("]"):
                while True:
                    items.append(self.value())
                    if self.take("]"):
                        break
                    self.expect(",", "',' or ']'")
            return items
        if c == "{":
            return self.mapping()
        m = _NUMBER.match(self.text, self.i)
        if m:
            self.i = m.end()
            raw = m.group(0)
            return float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        word = self.ident("a value (string, number, true, false, list or {min, max})")
        if word in ("true", "false"):
            return word == "true"
        raise self.error(f"{word!r} is not a value; quote strings")

    def string(self, quote: str) -> str:
        j = self.i + 1
        out = []
        while j < len(self.text):
            ch = self.text[j]
            if ch == "\\" and j + 1 < len(self.text):
                nxt = self.text[j + 1]
                if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", self.text[j + 2: j + 6]):
                    out.append(chr(int(self.text[j + 2: j + 6], 16)))
                    j += 6
                    continue
                out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
                j += 2
                continue
            if ch == quote:
                self.i = j + 1
                return "".join(out)
            out.append(ch)
            j += 1
        raise self.error("unterminated string")

    def mapping(self) -> dict[str, Any]:
        self.expect("{")
        out: dict[str, Any] = {}
        if self.take("}"):
            return out
        while True:
            self.ws()
            if self.i < len(self.text) and self.text[self.i] in "\"'":
                key = self.string(self.text[self.i])
            else:
                key = self.ident("a property name")
            if key in out:
                raise self.error(f"property {key!r} given twice")
            self.expect(":", "':' after a property name")
            out[key] = self.value()
            if self.take("}"):
                return out
            self.expect(",", "',' or '}'")

    # -- structure ---------------------------------------------------------------
    def node(self) -> tuple[str | None, str | None, dict | None]:
        self.expect("(", "'(' starting a node")
        name = label = props = None
        self.ws()
        if self.i < len(self.text) and (self.text[self.i].isalpha() or self.text[self.i] == "_"):
            name = self.ident("a node name")
        if self.take(":"):
            label = self.ident("a label")
            if self.peek(":"):
                raise self.error("one label per node")
        if self.peek("{"):
            props = self.mapping()
        self.expect(")", "')' closing the node")
        return name, label, props

    def rel(self) -> tuple[str, list[str] | None, dict | None]:
        if self.take("<-"):
            left = True
        elif self.take("-"):
            left = False
        else:
            raise self.error("expected a relationship ('-', '<-')")
        types: list[str] | None = None
        props = None
        if self.take("["):
            if self.peek("*"):
                raise self.error("variable-length relationships are not supported")
            if self.take(":"):
                types = [self.ident("a relationship type")]
                while self.take("|"):
                    self.take(":")
                    types.append(self.ident("a relationship type"))
            elif not self.peek("]") and not self.peek("{"):
                raise self.error("relationship variables are not supported; write [:TYPE {...}]")
            if self.peek("*"):
                raise self.error("variable-length relationships are not supported")
            if self.peek("{"):
                props = self.mapping()
            self.expect("]", "']' closing the relationship")
        if self.take("->"):
            if left:
                raise self.error("a relationship cannot point both ways; use '-[..]-' for either direction")
            return "out", types, props
        self.expect("-", "'-' or '->' ending the relationship")
        return ("in" if left else "any"), types, props


def parse_ascii(text: str, *, allowed_types: Iterable[str] = REL_TYPES) -> Pattern:
    """Parse the ASCII form; raise :class:`InputError` naming the column of a mistake."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("empty pattern")
    if len(text) > MAX_TEXT:
        raise InputError(f"pattern text longer than {MAX_TEXT} characters")
    p = _Parser(text)
    order: list[str] = []
    labels: dict[str, str | None] = {}
    props: dict[str, dict | None] = {}
    edges: list[tuple[str, str, str, list[str] | None, dict | None]] = []
    anon = 0

    def declare(name: str | None, label: str | None, pr: dict | None) -> str:
        nonlocal anon
        if name is None:
            anon += 1
            name = f"_{anon}"
        else:
            check_name(name)
        if name not in labels:
            order.append(name)
            labels[name], props[name] = label, pr
            return name
        if label is not None:
            if labels[name] is not None and labels[name] != label:
                raise p.error(f"node {name!r} has two labels ({labels[name]}, {label})")
            labels[name] = label
        if pr is not None:
            if props[name] is not None:
                raise p.error(f"properties of node {name!r} are given twice; give them once")
            props[name] = pr
        return name

    while True:
        prev = declare(*p.node())
        while not p.at_end() and (p.peek("-") or p.peek("<")):
            direction, types, rprops = p.rel()
            cur = declare(*p.node())
            edges.append((prev, cur, direction, types, rprops))
            prev = cur
        if p.at_end():
            break
        p.expect(",", "',' between paths or the end of the pattern")

    nodes = [NodeSpec(n, check_label(labels[n] or DEFAULT_LABEL), predicates(props[n], f"node {n}"))
             for n in order]
    specs = []
    for k, (a, b, direction, types, rprops) in enumerate(edges):
        where = f"edge {k + 1} ({a}-{b})"
        src, dst = (b, a) if direction == "in" else (a, b)
        specs.append(EdgeSpec(src, dst, tuple(types or DEFAULT_EDGE_TYPES), direction != "any",
                              edge_predicates(rprops, None, where)))
    return build_pattern(nodes, specs, source=text, allowed_types=allowed_types)


def parse_pattern(text: str, *, allowed_types: Iterable[str] = REL_TYPES) -> Pattern:
    """The ASCII form when ``text`` starts with ``(``; otherwise a JSON or YAML spec."""
    from relmine.motifs.pattern import pattern_from_spec

    if not isinstance(text, str) or not text.strip():
        raise InputError("empty pattern")
    if text.lstrip().startswith("("):
        return parse_ascii(text, allowed_types=allowed_types)
    if len(text) > 20 * MAX_TEXT:
        raise InputError("pattern spec too long")
    try:
        spec = json.loads(text)
    except ValueError:
        import yaml

        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"pattern is neither the ASCII form '(a)-[:T]->(b)' nor JSON/YAML: {exc}") from exc
    return pattern_from_spec(spec, source=text, allowed_types=allowed_types)


def _fmt_value(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def _fmt_props(preds) -> str:
    if not preds:
        return ""
    parts = []
    for pr in preds:
        if pr.op == "eq":
            val = _fmt_value(pr.value)
        elif pr.op == "in":
            val = "[" + ", ".join(_fmt_value(x) for x in pr.value) + "]"
        else:
            lo, hi = pr.value
            val = "{" + ", ".join(f"{k}: {_fmt_value(x)}" for k, x in (("min", lo), ("max", hi)) if x is not None) + "}"
        parts.append(f"{pr.key}: {val}")
    return " {" + ", ".join(parts) + "}"


def format_ascii(p: Pattern) -> str:
    """The ASCII form of a pattern (one path per edge); ``parse_ascii`` reads it back to an equal pattern."""
    shown: set[str] = set()

    def node(name: str) -> str:
        if name in shown:
            return f"({name})"
        shown.add(name)
        n = p.node(name)
        return f"({name}:{n.label}{_fmt_props(n.predicates)})"

    paths = []
    for e in p.edges:
        rel = f"[:{'|'.join(e.types)}{_fmt_props(e.predicates)}]"
        paths.append(f"{node(e.src)}-{rel}{'->' if e.directed else '-'}{node(e.dst)}")
    for n in p.names:
        if n not in shown:
            paths.append(node(n))
    return ", ".join(paths)
