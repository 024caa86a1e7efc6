"""The motif library (``cypher/motifs/*.cypher``): count instances, and write them back for BI.

Each library statement returns one row per motif instance, each instance
once: ``members`` (product skus) and ``roles`` (one per member), limited by
``$limit`` (its last line); its ``:params`` header line holds the defaults. Counting wraps the
statement (``CALL () { ... }``) so that Neo4j aggregates per product and only
one row per product crosses Bolt; instances are streamed only to write
``Motif`` nodes (the first ``max_members``).

Written back with ``write=True`` (all keyed by the run id, so a re-run with the
same id rewrites the same things):

* ``(:Run {id, kind: 'motifs', status, params, metrics, metric_<kind>_instances, ...})``, through the run
  model (:mod:`relmine.runs`): ``running`` while it counts, then ``done`` with the figures or ``failed``
  with the reason;
* per product and kind: ``p.motif_<kind>`` = number of instances the product
  belongs to, ``p.motif_<kind>_run`` = the run id; counts left over from
  other runs are removed, so a product outside every instance has no count;
* per instance (the first ``max_members`` of each kind):
  ``(:Motif {id, kind, run, size, members})-[:HAS_MEMBER {role, position}]->(:Product)``,
  with ``id = "<run>:<kind>:<16 hex of blake2b(members in role order)>"``.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from relmine import cypher, runs
from relmine.errors import InputError, QueryError
from relmine.gateway import Gateway, Statement, chunks
from relmine.motifs.matching import MAX_TIMEOUT_S
from relmine.runid import check_run_id, new_run_id  # noqa: F401  (check_run_id re-exported)

KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
GROUP = "motifs"
DEFAULT_MAX_MEMBERS = 100_000
BATCH = 5_000


@dataclass(frozen=True)
class MotifKind:
    name: str
    title: str
    defaults: dict[str, Any]

    @property
    def statement(self) -> str:
        return f"{GROUP}/{self.name}"

    @property
    def count_property(self) -> str:
        return f"motif_{self.name}"

    @property
    def run_property(self) -> str:
        return f"motif_{self.name}_run"


@dataclass
class MotifResult:
    kind: str
    instances: int
    products: int
    seconds: float
    truncated: bool = False
    motifs_written: int = 0
    products_written: int = 0
    top: list[tuple[str, int]] = field(default_factory=list)


def library() -> list[MotifKind]:
    """The motif kinds of ``cypher/motifs/``, by file name."""
    kinds = []
    for name in cypher.names(GROUP):
        stem = name.split("/", 1)[1]
        if not KIND_RE.match(stem):
            raise ValueError(f"motif file {name!r}: name must match {KIND_RE.pattern}")
        text = cypher.load(name)
        if text.strip().splitlines()[-1].strip() != "LIMIT $limit":
            raise ValueError(f"motif file {name!r}: the last line must be 'LIMIT $limit'")
        title = text.splitlines()[0].lstrip("/ ").strip()
        raw = cypher.params_example(name) or "{}"
        kinds.append(MotifKind(stem, title, json.loads(raw)))
    return kinds


def select(kinds: Iterable[str] | None) -> list[MotifKind]:
    lib = {k.name: k for k in library()}
    if not kinds:
        return list(lib.values())
    out = []
    for name in kinds:
        if name not in lib:
            raise InputError(f"unknown motif kind {name!r}; known: {', '.join(lib)}")
        out.append(lib[name])
    return out


def default_run_id() -> str:
    """A new motifs run id, in the one scheme of every kind (:func:`relmine.runid.new_run_id`)."""
    return new_run_id("motifs")


def motif_id(run_id: str, kind: str, members: list[str]) -> str:
    """Members in role order (two bundle stars may share a member set with different hubs)."""
    digest = hashlib.blake2b("\x1f".join(members).encode("utf-8"), digest_size=8).hexdigest()
    return f"{run_id}:{kind}:{digest}"


def _params(kind: MotifKind, overrides: dict[str, Any]) -> dict[str, Any]:
    params = dict(kind.defaults)
    for key, value in overrides.items():
        if key in params:  # an override only reaches the kinds that take it
            params[key] = value
    return params


def run_library(gw: Gateway, kinds: Iterable[str] | None = None, *, overrides: dict[str, Any] | None = None,
                timeout: float = 600.0, write: bool = False, run_id: str | None = None,
                max_members: int = DEFAULT_MAX_MEMBERS, top: int = 0,
                log: Callable[[str], None] | None = None) -> list[MotifResult]:
    """Run library motifs; with ``write`` store counts and memberships under ``run_id``."""
    selected = select(kinds)
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise InputError(f"timeout must be in (0, {MAX_TIMEOUT_S:.0f}] seconds")
    if max_members < 0:
        raise InputError("max_members must be 0 or more")
    overrides = dict(overrides or {})
    known = {k for kind in selected for k in kind.defaults if k != "limit"}
    for key, value in overrides.items():
        if key not in known:
            raise InputError(f"parameter {key!r} is taken by none of the selected motifs; known: {sorted(known)}")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InputError(f"parameter {key!r}: {value!r} is not a number or string")
    run_id = check_run_id(run_id or default_run_id())
    say = log or (lambda _msg: None)
    params = {"kinds": [k.name for k in selected], "overrides": overrides, "max_members": max_members}
    results = []
    with runs.job(gw, run_id, "motifs", params, record=write):
        for kind in selected:
            results.append(_run_one(gw, kind, _params(kind, overrides), timeout=timeout, write=write,
                                    run_id=run_id, max_members=max_members, top=top, say=say))
        if write:
            metrics = {r.kind: {"instances": r.instances, "products": r.products, "truncated": r.truncated}
                       for r in results}
            runs.record_run(gw, run_id, "motifs", params, metrics)
    return results


COUNTING = "matching/count_members_per_product"  # its line marked STAND_IN gives way to the library statement
STAND_IN = "// stand-in"


def counting_statement(kind: MotifKind) -> Statement:
    """The library statement wrapped so that Neo4j aggregates: one row per product (not per instance).

    ``starts`` counts the instances (one member of each is at position 0). Counting is
    complete (bounded by the timeout); ``$limit`` bounds only the instances streamed for
    ``Motif`` nodes.
    """
    # without the row limit: a LIMIT makes the planner choose lazy plans (Expand(Into) instead of hash
    # joins), ten times slower when every instance is wanted
    body = "\n".join(line for line in cypher.load(kind.statement).splitlines()
                     if not line.strip().startswith("//") and line.strip() != "LIMIT $limit")
    text = "\n".join(body if line.endswith(STAND_IN) else line for line in cypher.load(COUNTING).splitlines())
    return Statement(text, f"{kind.statement}#counts")


def _timed_out(kind: MotifKind, timeout: float, exc: QueryError) -> QueryError:
    if "TimedOut" in str(exc) or "Terminated" in str(exc):
        return QueryError(f"motif {kind.name} stopped at its time limit of {timeout:g}s; "
                          "raise --timeout")
    return exc


def _run_one(gw: Gateway, kind: MotifKind, params: dict[str, Any], *, timeout: float, write: bool, run_id: str,
             max_members: int, top: int, say: Callable[[str], None]) -> MotifResult:
    t0 = time.monotonic()
    try:
        rows = gw.read(counting_statement(kind), params, timeout=timeout)
    except QueryError as exc:
        raise _timed_out(kind, timeout, exc) from exc
    counts = Counter({r["sku"]: r["n"] for r in rows if r["sku"] is not None})
    instances = sum(r["starts"] for r in rows)
    result = MotifResult(kind.name, instances, len(counts), 0.0,
                         truncated=write and instances > max_members,
                         top=counts.most_common(top) if top else [])
    say(f"{kind.name}: {instances:,} instances over {len(counts):,} products")
    if write:
        kept: list[dict[str, Any]] = []
        if max_members > 0:
            member_params = {**params, "limit": max_members}
            try:
                for row in gw.stream(kind.statement, member_params, timeout=timeout):
                    members = [m for m in row["members"] if m is not None]
                    kept.append({"id": motif_id(run_id, kind.name, members), "members": members,
                                 "roles": row["roles"][: len(members)]})
            except QueryError as exc:
                raise _timed_out(kind, timeout, exc) from exc
        for batch in chunks(kept, BATCH):
            s = gw.write("writeback/motif_merge_members", {"kind": kind.name, "run_id": run_id, "rows": batch})
            result.motifs_written += s.records[0]["motifs"] if s.records else 0
        props = ({"sku": sku, "props": {kind.count_property: n, kind.run_property: run_id}}
                 for sku, n in counts.items())
        gw.write_batches("writeback/structure_product_props", props, batch_size=10_000)
        result.products_written = len(counts)
        nulls = {kind.count_property: None, kind.run_property: None}
        while True:
            s = gw.write("writeback/motif_clear_stale_counts",
                         {"run_key": kind.run_property, "run_id": run_id, "nulls": nulls, "batch": 10_000})
            if not s.records or s.records[0]["cleared"] == 0:
                break
        say(f"{kind.name}: wrote {result.motifs_written:,} motifs, counts on {result.products_written:,} products")
    result.seconds = time.monotonic() - t0
    return result

