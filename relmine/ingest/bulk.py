"""``relmine ingest KIND FILE --bulk``: a first load into an EMPTY database through
``neo4j-admin database import full`` instead of transactions.

One parse path: the file is read, validated, de-duplicated, rejected and service-ruled exactly as by
``relmine ingest`` (:func:`relmine.ingest.load.ingest_file`, whose ``writer`` this module replaces). Only
the sink differs: what the transactional steps would write (:func:`relmine.ingest.load.plan`) is written as
CSV files for the import tool, then relmine's launcher stops the server, imports, starts it again and
applies the schema (``cypher/schema/``), which the import replaced.

The graph is the transactional one's: the same nodes, labels, relationships and properties (weights,
counts, first / last seen, order counts, return rates, ``(:Stats)``), and a ``(:Source)`` whose status is
``done``, cursor and summary those a transactional run would have recorded (the same batch count), so a
later plain ``relmine ingest`` of the same file is a no-op and one of another file continues the counts.
Run-specific values differ as they do between two transactional runs (``s.nonce``, ``o.ingest``,
timestamps); ``s.bulk = true`` marks the load.

Why an empty database only: the import tool builds a new store (``--overwrite-destination``); merging into
existing data would need ``import incremental`` (Enterprise). So an ingest that finds any node refuses.

Memory: what the transactional path holds, no more. Edge files are held as arrays (:class:`EdgeSet`);
order files over ``--chunk-mb`` are grouped a bucket at a time and their pairs counted on disk per range
of skus (:class:`relmine.ingest.pairs.PairCounter`); here each bucket's orders and each range's pairs are
appended to the CSV files as they come, so one bucket or one range is in memory at a time, plus the
per-product arrays. The import tool itself is bounded by ``RELMINE_NEO4J_HEAP`` (its heap) and
``RELMINE_NEO4J_PAGECACHE`` (``--max-off-heap-memory``); the server is stopped meanwhile.

Kinds: ``edges``, ``orders`` and ``baskets``. ``catalog`` and ``amazon-meta`` (categories, typed
catalogue properties, lists) are refused with a message: load them transactionally after the bulk load.
"""

from __future__ import annotations

import json
import math
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, TextIO

import numpy as np

from relmine.config import Settings
from relmine.errors import InputError, RelmineError
from relmine.gateway import Gateway
from relmine.ingest.load import (Prepared, _count_created_orders, _reduced, _sku_counts, ingest_file)
from relmine.ingest.options import IngestOptions
from relmine.ingest.pairs import NO_FIRST, NO_LAST
from relmine.ingest.parsed import IngestReport

SUPPORTED = ("edges", "orders", "baskets")
_ROWS = 50_000  # rows formatted at a time


class BulkRefused(RelmineError):
    """``--bulk`` cannot run here (a database that is not empty, a server that is not relmine's own)."""


def _log(options: IngestOptions, msg: str) -> None:
    if options.progress:
        print(f"[bulk] {msg}", file=sys.stderr, flush=True)


# -- the entry point -------------------------------------------------------------------------------------------
def bulk_ingest_file(gw: Gateway, settings: Settings, path: Path | str, options: IngestOptions, *,
                     rejects_dir: Path) -> IngestReport:
    """Load ``path`` into the empty database of relmine's local server with ``neo4j-admin database import``."""
    if options.kind not in (*SUPPORTED, "auto"):
        raise BulkRefused(f"--bulk loads {', '.join(SUPPORTED)} files; {options.kind} is not supported yet: "
                          "ingest it without --bulk (after the bulk load, if it is the large file)")
    _check_target(gw, settings)
    return ingest_file(gw, path, options, rejects_dir=rejects_dir,
                       writer=lambda g, p: write_bulk(g, settings, p))


def _check_target(gw: Gateway, settings: Settings) -> None:
    """Refuse unless the graph is relmine's own local server and holds no node at all."""
    from relmine.server import LocalNeo4j

    local = f"bolt://127.0.0.1:{settings.bolt_port}"
    if settings.neo4j_uri.rstrip("/") not in (local, f"neo4j://127.0.0.1:{settings.bolt_port}"):
        raise BulkRefused(f"--bulk stops, imports into and starts relmine's own local server ({local}); "
                          "NEO4J_URI points elsewhere: ingest without --bulk")
    if not LocalNeo4j(settings).status().running:
        raise BulkRefused("--bulk needs relmine's local server running (relmine neo4j start): it checks the "
                          "database is empty first")
    found = gw.read_one("ingest/count_nodes") or {}
    if found.get("nodes"):
        raise BulkRefused(f"--bulk loads into an empty database only; this one holds {found['nodes']:,} nodes. "
                          "Ingest without --bulk (it adds to the graph), or empty the database first")


# -- the writer ------------------------------------------------------------------------------------------------
def write_bulk(gw: Gateway, settings: Settings, p: Prepared) -> IngestReport:
    """Write ``p`` as import CSV, then stop the server, import, start it and apply the schema."""
    from relmine.schema import apply_schema
    from relmine.server import LocalNeo4j

    if p.options.kind not in SUPPORTED:  # `auto` sniffed a kind the bulk path does not write
        raise BulkRefused(f"--bulk loads {', '.join(SUPPORTED)} files; {p.path.name} is {p.options.kind}: "
                          "ingest it without --bulk")
    t_csv = time.monotonic()
    files = CsvFiles(p.work / "import")
    source = SourceRecord(p)
    if p.options.kind == "edges":
        _edges(files, p, source)
    else:
        _orders(files, p, source)
    files.node("Source", [source.props()])
    files.close()
    _log(p.options, f"wrote {files.nodes:,} nodes and {files.relationships:,} relationships as CSV in "
                    f"{time.monotonic() - t_csv:.1f}s")
    _check_target(gw, settings)  # nothing arrived while the file was read
    server = LocalNeo4j(settings)
    t_import = time.monotonic()
    _log(p.options, "stopping the server for neo4j-admin database import")
    server.stop()
    t_tool = time.monotonic()
    _log(p.options, f"server stopped in {t_tool - t_import:.1f}s")
    try:
        server.import_full(files.arguments(p.work / "import.report"), database=settings.neo4j_database)
    finally:
        t_start = time.monotonic()
        _log(p.options, f"import {t_start - t_tool:.1f}s (the import tool); starting the server")
        server.start()
    t_schema = time.monotonic()
    _log(p.options, f"server started in {t_schema - t_start:.1f}s")
    with Gateway(settings) as fresh:
        apply_schema(fresh)
    _log(p.options, f"schema (constraints, indexes populated) in {time.monotonic() - t_schema:.1f}s")
    _log(p.options, f"import, restart and schema {time.monotonic() - t_import:.1f}s")
    report = p.report
    report.written = {"nodes_created": files.nodes, "relationships_created": files.relationships,
                      "properties_set": files.properties}
    report.seconds = time.monotonic() - p.t0
    return report


class SourceRecord:
    """The ``(:Source)`` a transactional run that finished would leave (``start_source``, every batch's
    ``claim_batch``, ``co_purchase_mode``, ``finish_source``)."""

    def __init__(self, p: Prepared):
        self.p = p
        self.nonce = str(uuid.uuid4())
        self.started = datetime.now(timezone.utc)
        self.batches = 0
        self.phase: str | None = None
        self.co_purchase_mode: str | None = None

    def step(self, phase: str, rows: int, size: int | None = None) -> None:
        """A step of ``rows`` rows in batches of ``size`` (default: the batch size)."""
        n = math.ceil(rows / (size or self.p.options.batch_size))
        self.add(phase, n)

    def add(self, phase: str, n: int) -> None:
        if n:
            self.batches += n
            self.phase = phase

    def props(self) -> dict[str, Any]:
        p = self.p
        counts = p.report.counts
        summary = {"read": counts.read, "accepted": counts.accepted, "rejected": counts.rejected,
                   "duplicates": counts.duplicates, "notes": counts.notes, "batches": self.batches}
        now = datetime.now(timezone.utc)
        return {"id": p.source_id, "kind": p.options.kind, "file": p.path.name, "sha256": p.sha,
                "options": json.dumps(p.options.identity(), sort_keys=True), "batch_size": p.options.batch_size,
                "chunk_mb": float(p.options.chunk_mb), "cursor": self.batches, "status": "done",
                "nonce": self.nonce, "started_at": self.started, "relation_times": True, "attempts": 1,
                "phase": self.phase, "updated_at": now if self.batches else None, "finished_at": now,
                "summary": json.dumps(summary, sort_keys=True), "rows_read": counts.read,
                "rows_rejected": counts.rejected, "duplicates": counts.duplicates,
                "co_purchase_mode": self.co_purchase_mode, "bulk": True}


# -- edges -----------------------------------------------------------------------------------------------------
def _edges(files: "CsvFiles", p: Prepared, source: SourceRecord) -> None:
    """``merge_product_keys`` + ``merge_relations[_seen]`` per type: bare products, typed relations with
    their weight (and first / last seen where the file has times)."""
    edges = p.parsed.edges
    quoted = [_q(s) for s in edges.skus]
    used = np.zeros(len(edges.skus), dtype=bool)
    for rel_type in sorted(edges.types):
        src, dst, w, _ = edges.types[rel_type]
        n = len(src)
        source.step(f"relations {rel_type}", n)
        if not n:
            continue
        s = np.frombuffer(src, dtype=np.int64)
        d = np.frombuffer(dst, dtype=np.int64)
        used[s] = True
        used[d] = True
        header = [":START_ID(Product)", ":END_ID(Product)", "weight:double"]
        seen = edges.times.get(rel_type)
        if seen is not None:
            header += ["first_seen:localdatetime", "last_seen:localdatetime"]
        out = files.relationship_file(rel_type, header)
        weights = np.frombuffer(w, dtype=np.float64)
        for a in range(0, n, _ROWS):
            b = min(a + _ROWS, n)
            cols = [[quoted[i] for i in s[a:b].tolist()], [quoted[i] for i in d[a:b].tolist()],
                    [repr(x) for x in weights[a:b].tolist()]]
            if seen is not None:
                cols += [_times(np.frombuffer(seen[0], dtype=np.int64)[a:b], NO_FIRST),
                         _times(np.frombuffer(seen[1], dtype=np.int64)[a:b], NO_LAST)]
            files.write_columns(out, cols, properties=len(cols) - 2)
        files.relationships += n
    out = files.node_file("Product", ["sku:ID(Product)"])
    products = np.flatnonzero(used).tolist()
    files.write_columns(out, [[quoted[i] for i in products]], properties=1)
    files.nodes += len(products)


# -- orders and baskets -----------------------------------------------------------------------------------------
def _orders(files: "CsvFiles", p: Prepared, source: SourceRecord) -> None:
    """The steps of :func:`relmine.ingest.load._order_steps` in an empty database: every order of the file is
    created by this ingest; products (stubs), orders and ``CONTAINS``, ``CO_PURCHASED`` (CREATE mode),
    order counts, return counts and ``RETURNED_TOGETHER``, ``(:Stats)``."""
    parsed, options = p.parsed, p.options
    bs = options.batch_size
    stubs = parsed.stubs
    source.step("products", len(stubs))
    # Orders, bucket by bucket (one in memory), in the batches of _orders_step (for the cursor).
    orders = OrderFiles(files, p.source_id, source.nonce)
    batches, size = 0, 0
    t = time.monotonic()
    for table, _ in parsed.buckets.tables(parsed.dropped):
        for oid, props, items, r in zip(table.ids, table.props, table.items, table.returns):
            orders.add(oid, props, items, r)
            size += len(items)
            if size >= bs:
                batches, size = batches + 1, 0
    batches += 1 if size else 0
    orders.close()
    source.add("orders", batches)
    _log(options, f"orders: {orders.n:,} orders, {orders.lines:,} lines as CSV in {time.monotonic() - t:.1f}s")
    created = _count_created_orders(None, parsed, source.nonce, p.work)
    created.note(parsed)
    # Co-purchases: reduced per range of lower skus (on disk for a chunked file), one range at a time.
    t = time.monotonic()
    reduced = _reduced(created.pairs, p.work / "reduced" if created.parts > 1 else None)
    pairs = files.relationship_file("CO_PURCHASED", [":START_ID(Product)", ":END_ID(Product)", "count:long",
                                                     "weight:double", "first_seen:localdatetime",
                                                     "last_seen:localdatetime"])
    quoted = [_q(s) for s in created.skus]
    n_pairs = 0
    for part in reduced():
        n_pairs += len(part)
        source.step("co-purchases", len(part))
        _write_pairs(files, pairs, part, quoted, with_weight=True)
    parsed.counts.note("co_purchased_pairs", n_pairs)
    if n_pairs:
        source.co_purchase_mode = "create"
    _log(options, f"co-purchases: {n_pairs:,} pairs as CSV in {time.monotonic() - t:.1f}s")
    order_counts = _sku_counts(created.skus, created.order_count)
    source.step("order counts", len(order_counts))
    if created.n_returns:
        return_counts = _sku_counts(created.skus, created.return_count)
        source.step("return counts", len(return_counts))
        together = files.relationship_file("RETURNED_TOGETHER", [":START_ID(Product)", ":END_ID(Product)",
                                                                  "count:long", "first_seen:localdatetime",
                                                                  "last_seen:localdatetime"])
        n_together = 0
        for part in created.together.partitions():
            n_together += len(part)
            source.step("returned together", len(part))
            _write_pairs(files, together, part, quoted, with_weight=False)
        parsed.counts.note("returned_together_pairs", n_together)
    source.add("order stats", 1)
    _products(files, stubs, created)
    now = datetime.now(timezone.utc)
    files.node("Stats", [{"id": "global", "n_orders": created.n_sales, "n_order_lines": created.n_lines,
                          "updated_at": now}])


def _products(files: "CsvFiles", stubs: list[dict], created) -> None:
    """``merge_product_stubs`` (title, price where known), ``add_order_counts``, ``add_return_counts``."""
    index = {s: i for i, s in enumerate(created.skus)}
    order_count, return_count = created.order_count, created.return_count
    out = files.node_file("Product", ["sku:ID(Product)", "title", "price:double", "order_count:long",
                                      "return_count:long", "return_rate:double"])
    rows = []
    for stub in stubs:
        sku, title, price = stub["sku"], stub.get("title"), stub.get("price")
        if title is not None and type(title) is not str or price is not None and type(price) is not float:
            raise InputError(f"--bulk: product {sku!r} has a title or price of an unexpected type "
                             f"({type(title).__name__}, {type(price).__name__}); ingest without --bulk")
        i = index[sku]
        oc, rc = int(order_count[i]), int(return_count[i])
        rate = None
        if rc:
            rate = float(rc) / oc if oc > 0 else None
        rows.append(_line([_q(sku), _q(title), _num(price), str(oc) if oc else "", str(rc) if rc else "",
                           _num(rate)]))
        files.properties += 1 + (title is not None) + (price is not None) + (oc > 0) + (rc > 0) + (rate is not None)
        if len(rows) >= _ROWS:
            out.writelines(rows)
            rows = []
    out.writelines(rows)
    files.nodes += len(stubs)


def _write_pairs(files: "CsvFiles", out: TextIO, part, quoted: list[str], *, with_weight: bool) -> None:
    n = len(part)
    for a in range(0, n, _ROWS):
        b = min(a + _ROWS, n)
        cols = [[quoted[i] for i in part.a[a:b].tolist()], [quoted[i] for i in part.b[a:b].tolist()],
                [str(c) for c in part.count[a:b].tolist()]]
        if with_weight:
            cols.append([repr(w) for w in part.weight[a:b].tolist()])
        cols += [_times(part.first[a:b], NO_FIRST), _times(part.last[a:b], NO_LAST)]
        files.write_columns(out, cols, properties=len(cols) - 2)
    files.relationships += n


class OrderFiles:
    """``create_orders``: ``(:Order {id, kind, time, source, ingest, <free columns>})`` and ``CONTAINS {qty}``.
    Orders whose properties differ in names or types go to different files (an import header types each
    column), one per distinct signature."""

    def __init__(self, files: "CsvFiles", source_id: str, nonce: str):
        self.files = files
        self.tail = [_q(source_id), _q(nonce)]
        self.by_signature: dict[tuple, tuple[TextIO, list[str]]] = {}
        self.contains = files.relationship_file("CONTAINS", [":START_ID(Order)", ":END_ID(Product)", "qty:long"])
        self.n = self.lines = 0
        self._rows: dict[tuple, list[str]] = {}
        self._contains: list[str] = []

    def add(self, oid: str, props: dict[str, Any], items: dict[str, int], is_return: bool) -> None:
        others = {k: v for k, v in props.items() if k != "time"}
        others["kind"] = "return" if is_return else "sale"
        when = props.get("time")
        keys = sorted(others)
        signature = tuple((k, _import_type(others[k], k)) for k in keys)
        rows = self._rows.get(signature)
        if rows is None:
            header = ["id:ID(Order)", *(f"{k}:{t}" for k, t in signature), "time:localdatetime", "source", "ingest"]
            self.by_signature[signature] = (self.files.node_file("Order", header), header)
            rows = self._rows[signature] = []
        qid = _q(oid)
        rows.append(_line([qid, *(_cell(others[k]) for k in keys), when.isoformat() if when is not None else "",
                           *self.tail]))
        self.files.properties += 3 + len(keys) + (when is not None)
        if len(rows) >= _ROWS:
            self.by_signature[signature][0].writelines(rows)
            rows.clear()
        for sku, qty in items.items():
            self._contains.append(f"{qid},{_q(sku)},{int(qty)}\n")
        self.n += 1
        self.lines += len(items)
        self.files.properties += len(items)
        if len(self._contains) >= _ROWS:
            self.contains.writelines(self._contains)
            self._contains.clear()

    def close(self) -> None:
        for signature, rows in self._rows.items():
            self.by_signature[signature][0].writelines(rows)
        self.contains.writelines(self._contains)
        self._rows.clear()
        self._contains.clear()
        self.files.nodes += self.n
        self.files.relationships += self.lines


# -- CSV ---------------------------------------------------------------------------------------------------------
class CsvFiles:
    """The import's CSV files (each with its own header line) and the arguments that name them."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.files: list[tuple[str, str, Path, TextIO]] = []  # ("nodes"|"relationships", label/type, path, fh)
        self.nodes = self.relationships = self.properties = 0
        _MULTILINE[0] = False

    def _open(self, what: str, name: str, header: list[str]) -> TextIO:
        path = self.folder / f"{what}-{len(self.files):03d}-{name}.csv"
        fh = open(path, "w", encoding="utf-8", newline="")
        fh.write(",".join(header) + "\n")
        self.files.append((what, name, path, fh))
        return fh

    def node_file(self, label: str, header: list[str]) -> TextIO:
        return self._open("nodes", label, header)

    def relationship_file(self, rel_type: str, header: list[str]) -> TextIO:
        return self._open("relationships", rel_type, header)

    def node(self, label: str, rows: list[dict[str, Any]]) -> None:
        """A few nodes of one label, all with the keys of the first (``id`` first, the ID)."""
        keys = [k for k in rows[0] if k != "id"]
        types = {k: next((_import_type(r[k], k) for r in rows if r[k] is not None), "string") for k in keys}
        out = self.node_file(label, [f"id:ID({label})", *(f"{k}:{types[k]}" for k in keys)])
        for row in rows:
            out.write(_line([_q(row["id"]), *(_cell(row[k]) for k in keys)]))
            self.properties += 1 + sum(row[k] is not None for k in keys)
        self.nodes += len(rows)

    def write_columns(self, out: TextIO, cols: list[list[str]], *, properties: int) -> None:
        n = len(cols[0]) if cols else 0
        out.writelines(",".join(cells) + "\n" for cells in zip(*cols))
        self.properties += n * properties

    def close(self) -> None:
        for *_, fh in self.files:
            fh.close()

    def arguments(self, report: Path) -> list[str]:
        args = [f"--{what}={name}={path}" for what, name, path, _ in self.files]
        return [*args, "--bad-tolerance=0", "--skip-bad-relationships=false", "--skip-duplicate-nodes=false",
                "--legacy-style-quoting=false", "--ignore-empty-strings=false", "--trim-strings=false",
                f"--multiline-fields={'true' if _MULTILINE[0] else 'false'}", f"--report-file={report}"]


_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}


def _import_type(value: Any, key: str) -> str:
    t = _TYPES.get(type(value))
    if t is not None:
        return t
    if isinstance(value, datetime):
        return "localdatetime" if value.tzinfo is None else "datetime"
    raise InputError(f"--bulk cannot write property {key!r} of type {type(value).__name__}; ingest without --bulk")


def _q(text: str | None) -> str:
    """A quoted CSV string (an empty cell, no property, for None)."""
    if text is None:
        return ""
    if "\n" in text or "\r" in text:
        _MULTILINE[0] = True
    return '"' + text.replace('"', '""') + '"'


_MULTILINE = [False]  # a quoted value held a line break: the import must read multi-line fields


def _num(x: float | None) -> str:
    return "" if x is None else repr(float(x))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    t = type(value)
    if t is str:
        return _q(value)
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is float:
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise InputError(f"--bulk cannot write a value of type {t.__name__}; ingest without --bulk")


def _line(cells: Iterable[str]) -> str:
    return ",".join(cells) + "\n"


def _times(codes: np.ndarray, none: int) -> list[str]:
    """Epoch microseconds (LOCAL time) as ISO text; ``none`` (no time) as an empty cell."""
    text = np.datetime_as_string(codes.astype("datetime64[us]"), unit="us").tolist()
    if (codes == none).any():
        for i in np.flatnonzero(codes == none).tolist():
            text[i] = ""
    return text


__all__ = ["bulk_ingest_file", "write_bulk", "BulkRefused", "SUPPORTED"]
