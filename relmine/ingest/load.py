"""``ingest_file``: read and validate a whole file, then write it in claimed batches.

Order of work for one file::

    checksum -> (:Source) done? -> stop, nothing to do
    read + validate every row (rejects file)  -> too many rejects? -> stop, nothing written
      (order files over --chunk-mb: lines spilled to disk by order id, grouped a chunk at a time)
    (:Source) created / found again (its cursor says how far an earlier run got)
    steps, each in batches (engine.BatchRunner) -> (:Source {status: 'done'})

What makes a re-run change nothing: a finished source is skipped as a whole;
within a run every batch commits together with the source's cursor (see
:mod:`relmine.ingest.engine`); nodes and relationships are ``MERGE``d on their
keys. Orders add counts, so they carry one more guard: an order is created by
exactly one ingest (``o.ingest`` = that source's nonce) and only the orders an
ingest created feed its ``CO_PURCHASED`` counts, product ``order_count`` and
the global ``(:Stats {id: 'global'}).n_orders``. The same order in another file
is counted once (reported as a duplicate).

A source's co-purchase pairs are CREATEd rather than MERGEd when its first
co-purchase batch finds no ``CO_PURCHASED`` relationship in the graph (the
decision is stored on the source, so a resumed run keeps it). Ingest order
files one after the other, not concurrently.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from relmine import cypher
from relmine.errors import InputError, RelmineError
from relmine.gateway import Gateway
from relmine.ingest import values as V
from relmine.ingest.engine import BatchRunner, Step, Tally, chunked, run_statement, simple_apply
from relmine.ingest.folders import FolderError, Place, check_folder, check_space, rejects_place, spill_place
from relmine.ingest.options import KINDS, IngestOptions
from relmine.ingest.parsed import Counts, IngestReport, Parsed, RejectLog, relations_in
from relmine.ingest.pairs import PairCounter, PairCounts, batch_pairs, time_code
from relmine.ingest.readers import READERS, ReadContext
from relmine.ingest.returns import share_candidates
from relmine.ingest.spill import bucket_count, scratch
from relmine.ingest.textio import check_input, detect_format, file_sha256, sniff_kind

FIND_BATCH = 50_000
UNCHUNKED_MB = 1 << 20  # sources made before chunking: one bucket


def typed_statement(name: str, rel_type: str) -> str:
    """A statement whose relationship type is a validated name (types cannot be parameters)."""
    if not V.RELATION_NAME.match(rel_type):
        raise InputError(f"relationship type {rel_type!r} is not a valid name")
    return cypher.load(name).replace("__TYPE__", rel_type)  # cypher-safe: validated name


def resolve(path: Path, options: IngestOptions) -> IngestOptions:
    """Options with the format and kind filled in (``auto`` sniffed from the file)."""
    fmt = detect_format(path, options.format)
    kind = options.kind
    if kind == "auto":
        kind = sniff_kind(path, fmt, options.encoding)
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; one of {', '.join(KINDS)} or auto")
    if options.batch_size < 1:
        raise InputError("--batch-size must be at least 1")
    return replace(options, kind=kind, format=fmt)


def ingest_file(gw: Gateway, path: Path | str, options: IngestOptions, *, rejects_dir: Path,
                writer: "Writer | None" = None) -> IngestReport:
    """Ingest one file into the graph (see the module docstring); returns the closing summary.
    ``writer``: what writes the parsed file (default :func:`write_transactional`; ``relmine ingest --bulk``
    passes :func:`relmine.ingest.bulk.write_bulk`): reading, validating, rejects and service rules are
    the same either way."""
    t0 = time.monotonic()
    path = Path(path)
    check_input(path)
    options = resolve(path, options)
    sha = file_sha256(path)
    source_id = options.source_id(sha)
    found = gw.read_one("ingest/get_source", {"source_id": source_id})
    if found and found["status"] == "done":
        return _already(found, options, path, time.monotonic() - t0)
    if found:  # a resumed run groups orders in the chunks of the first (same batches); older sources: one
        options = replace(options, chunk_mb=float(found.get("chunk_mb") or UNCHUNKED_MB))
    # Before anything is written: the scratch folder (and its free space), then the rejects folder.
    with scratch(rejects_dir.parent) as work:
        _check_scratch_space(path, options, work)
        rejects_path = options.rejects_path or rejects_dir / f"{path.name}.{source_id[:12]}.rejects.csv"
        place = rejects_place(rejects_path, default=options.rejects_path is None)
        _check_rejects(rejects_path, place)
        return _ingest(gw, path, options, sha, source_id, rejects_path, place, work, t0,
                       writer or write_transactional)


def _check_scratch_space(path: Path, options: IngestOptions, work: Path) -> None:
    """A chunked order file spills about its own size (1.2x measured at the peak): with less free space
    than the file, the read would fail part-way."""
    if options.kind == "orders" and bucket_count(path, options.format or "csv", options.chunk_mb) > 1:
        size = path.stat().st_size
        check_space(work, size, spill_place(work), f"reading {path.name} ({size / (1 << 20):,.1f} MB) in chunks")


def _check_rejects(rejects_path: Path, place: Place) -> None:
    """The rejects file's folder can be written, and the file itself is not a folder; an old one is removed."""
    if rejects_path.is_dir():
        raise FolderError(f"cannot write {place.what} to {rejects_path}: it is a folder; {place.fix_access}")
    check_folder(rejects_path.parent, place)
    if rejects_path.exists() or rejects_path.is_symlink():
        with place.writing():
            rejects_path.unlink()


@dataclass
class Prepared:
    """A file read and validated, ready to be written by a :data:`Writer`."""

    path: Path
    options: IngestOptions
    sha: str
    source_id: str
    parsed: Parsed
    report: IngestReport
    work: Path           # this run's scratch folder
    t0: float


Writer = Callable[[Gateway, Prepared], IngestReport]


def _ingest(gw: Gateway, path: Path, options: IngestOptions, sha: str, source_id: str, rejects_path: Path,
            place: Place, work: Path, t0: float, writer: Writer) -> IngestReport:
    """Read, check the rejects, apply the service rules, write; ``work``: this run's scratch folder."""
    counts = Counts()
    log = RejectLog(rejects_path, counts, place)
    try:
        try:
            ctx = ReadContext(path=path, fmt=options.format or "csv", options=options, sha256=sha, rejects=log,
                              spill=work)
            parsed = READERS[options.kind](ctx)
        finally:
            log.close()
    except FolderError as exc:  # a disk filled up while reading: the graph has not been touched
        raise FolderError(f"{exc}. Nothing was written to the graph") from exc
    report = IngestReport(source_id=source_id, kind=options.kind, path=str(path), status="done", counts=counts,
                          rejects_path=str(rejects_path) if log.written else None)
    if options.too_many_rejects(counts):
        report.status = "too-many-rejects"
        report.seconds = time.monotonic() - t0
        return report
    if counts.read == 0:
        raise InputError(f"{path}: no data rows")
    if parsed.buckets is not None and options.kind == "orders":
        apply_service_rules(gw, parsed, options)
    return writer(gw, Prepared(path, options, sha, source_id, parsed, report, work, t0))


def write_transactional(gw: Gateway, p: Prepared) -> IngestReport:
    """Write a prepared file in claimed batches (:class:`BatchRunner`), resumable (module docstring)."""
    path, options, sha, source_id, parsed, report, work, t0 = (
        p.path, p.options, p.sha, p.source_id, p.parsed, p.report, p.work, p.t0)
    counts = report.counts
    started = gw.write("ingest/start_source", {
        "source_id": source_id, "kind": options.kind, "file": path.name, "sha256": sha,
        "options": json.dumps(options.identity(), sort_keys=True), "batch_size": options.batch_size,
        "chunk_mb": options.chunk_mb,
    }).records[0]
    if started["status"] == "done":  # finished by a concurrent run between our check and now
        return _already({**started, "summary": None, "file": path.name}, options, path, time.monotonic() - t0)
    batch_size = int(started["batch_size"])
    runner = BatchRunner(gw, source_id, int(started["cursor"]), progress=options.progress)
    with failing_source(gw, source_id, path.name):
        tally = runner.run(plan(gw, options.kind, parsed, batch_size=batch_size, source_id=source_id,
                                nonce=started["nonce"], work=work))
    report.written = dict(tally.counters)
    report.batches = tally.batches
    report.resumed_from = int(started["cursor"])
    report.seconds = time.monotonic() - t0
    summary = {"read": counts.read, "accepted": counts.accepted, "rejected": counts.rejected,
               "duplicates": counts.duplicates, "notes": counts.notes, "batches": runner.seq}
    gw.write("ingest/finish_source", {"source_id": source_id, "summary": json.dumps(summary, sort_keys=True),
                                      "rows_read": counts.read, "rows_rejected": counts.rejected,
                                      "duplicates": counts.duplicates})
    return report


class IngestFailed(RelmineError):
    """Writing a file stopped part-way; its source is marked ``failed`` and the same command resumes it."""


@contextmanager
def failing_source(gw: Gateway, source_id: str, name: str) -> Iterator[None]:
    """Whatever stops the writing (a refused batch, a lost server, Ctrl-C) leaves the source ``failed`` with
    the error, its cursor at the last committed batch (additive counts commit with their batch): the next
    run of the same file resumes there; the summary (``finish_source``) is only written by a run that finishes.
    An error becomes :class:`IngestFailed`, which says so (Ctrl-C and the like are raised as they are)."""
    try:
        yield
    except BaseException as exc:
        error = (str(exc) if isinstance(exc, FolderError) else f"{type(exc).__name__}: {exc}")[:1000]
        cursor = None
        try:
            found = gw.write("ingest/fail_source", {"source_id": source_id, "error": error}).records
            cursor = found[0]["cursor"] if found else None
        except Exception:  # the server may be what failed; the source then stays 'running', resumable too
            pass
        if not isinstance(exc, Exception):
            raise
        where = f"after batch {cursor}" if cursor is not None else "where it stopped"
        raise IngestFailed(f"{name}: writing stopped ({error}). Source {source_id[:12]} is marked failed; "
                           f"run the same command again to resume {where}") from exc


def _already(found: dict[str, Any], options: IngestOptions, path: Path, seconds: float) -> IngestReport:
    counts = Counts()
    if found.get("summary"):
        stored = json.loads(found["summary"])
        counts = Counts(read=stored.get("read", 0), accepted=stored.get("accepted", 0),
                        rejected=stored.get("rejected", 0), duplicates=stored.get("duplicates", 0),
                        notes=stored.get("notes", {}))
    return IngestReport(source_id=found.get("id") or "", kind=options.kind, path=str(path),
                        status="already-ingested", counts=counts, seconds=seconds)


# -- plans ---------------------------------------------------------------------------------------------------------
def plan(gw: Gateway, kind: str, parsed: Parsed, *, batch_size: int, source_id: str, nonce: str,
         work: Path | None = None) -> Iterator[Step]:
    """The steps of one kind, in order; built lazily (order statistics read what orders wrote)."""
    if parsed.categories:
        rows = V.category_rows(parsed.categories)
        yield _rows_step("categories", "ingest/merge_categories", rows, batch_size)
    if parsed.products:
        yield _rows_step("products", "ingest/merge_products", parsed.products, batch_size)
    if parsed.stubs:  # order lines: products they name, titles and prices only where missing
        stubs = [{"sku": s["sku"], "title": s.get("title"), "price": s.get("price")} for s in parsed.stubs]
        yield _rows_step("products", "ingest/merge_product_stubs", stubs, batch_size)
    if parsed.edges is not None:
        edges = parsed.edges
        for rel_type in sorted(edges.types):
            yield Step(phase=f"relations {rel_type}", rows=edges.count(rel_type),
                       batches=lambda t=rel_type: edges.grouped_batches(t, batch_size),
                       apply=_relations_apply(rel_type), weigh=relations_in)
    if parsed.buckets is not None:
        yield from _order_steps(gw, parsed, batch_size=batch_size, source_id=source_id, nonce=nonce, work=work)


def _relations_apply(rel_type: str):
    """Endpoints first (one MERGE per distinct sku of the batch), then the relations with MATCH:
    two statements, one transaction, no Eager between node and relationship merges. Relations
    with a time (an edge file's date column) also get first_seen / last_seen."""
    text = typed_statement("ingest/merge_relations", rel_type)
    seen = typed_statement("ingest/merge_relations_seen", rel_type)

    def apply(tx, batch: dict, tally: Tally) -> None:
        run_statement(tx, "ingest/merge_product_keys", {"skus": batch["skus"]}, tally)
        if "times" in batch:
            run_statement(tx, "ingest/merge_relations_seen", {"rows": batch["rows"], "times": batch["times"]}, tally,
                          text=seen)
        else:
            run_statement(tx, "ingest/merge_relations", {"rows": batch["rows"]}, tally, text=text)

    return apply


def _rows_step(phase: str, name: str, rows: list, batch_size: int) -> Step:
    return Step(phase=phase, rows=len(rows), batches=lambda: chunked(rows, batch_size), apply=simple_apply(name))


def _order_steps(gw: Gateway, parsed: Parsed, *, batch_size: int, source_id: str, nonce: str,
                 work: Path | None) -> Iterator[Step]:
    """Orders, then what the orders this ingest created add up to. One bucket of orders is in
    memory at a time (:mod:`relmine.ingest.spill`); pairs are counted per bucket and reduced per
    range of skus (:class:`relmine.ingest.pairs.PairCounter`), so memory does not grow with the file."""
    yield _orders_step(parsed, batch_size, source_id, nonce)
    # Which orders did THIS ingest create? Only those add to counts (the others were ingested before).
    # Read once the orders step has run: a generator, so the counting waits for it.
    created = _count_created_orders(gw, parsed, nonce, work)
    created.note(parsed)
    yield _co_purchase_step(created, parsed, batch_size, source_id, work)
    order_counts = _sku_counts(created.skus, created.order_count)
    yield Step(phase="order counts", rows=len(order_counts), batches=lambda: chunked(order_counts, batch_size),
               apply=simple_apply("ingest/add_order_counts"))
    if created.n_returns:  # after the order counts: the return rate divides by them
        yield from _return_steps(created, parsed, batch_size)

    def add_stats(tx, batch, tally: Tally) -> None:
        run_statement(tx, "ingest/add_order_stats", {"orders": batch[0]["orders"], "lines": batch[0]["lines"]},
                      tally)

    stats = [[{"orders": created.n_sales, "lines": created.n_lines}]]
    yield Step(phase="order stats", rows=1, batches=lambda: iter(stats), apply=add_stats)


def _orders_step(parsed: Parsed, batch_size: int, source_id: str, nonce: str) -> Step:
    """The orders of every bucket, in batches of about ``batch_size`` lines; an order another file
    created already is left alone."""
    buckets = parsed.buckets

    def order_batches() -> Iterator[list]:
        batch: list[dict[str, Any]] = []
        size = 0
        for table, _ in buckets.tables(parsed.dropped):
            for oid, props, items, r in zip(table.ids, table.props, table.items, table.returns):
                others = {k: v for k, v in props.items() if k != "time"}
                others["kind"] = "return" if r else "sale"
                when = props.get("time")  # ISO text: the driver converts datetimes slowly
                batch.append([oid, others, when.isoformat() if when is not None else None,
                              list(items), list(items.values())])
                size += len(items)
                if size >= batch_size:
                    yield batch
                    batch, size = [], 0
        if batch:
            yield batch

    def create_orders(tx, batch: list, tally: Tally) -> None:
        # Same transaction as the batch claim: an order that exists already (another file) is left alone.
        ids = [row[0] for row in batch]
        existing = {r["id"] for r in run_statement(tx, "ingest/find_existing_orders", {"ids": ids})}
        rows = [row for row in batch if row[0] not in existing] if existing else batch
        if rows:
            run_statement(tx, "ingest/create_orders", {"rows": rows, "source": source_id, "nonce": nonce}, tally)

    return Step(phase="orders", rows=buckets.n_orders, batches=order_batches, apply=create_orders)


@dataclass
class _CreatedOrders:
    """What the orders this ingest created add up to, per sku (``skus`` index the arrays)."""

    skus: list[str]
    parts: int                 # partitions of the pair counts (1: in memory)
    pairs: PairCounter         # sku pairs bought together in a sale
    together: PairCounter      # sku pairs returned together
    order_count: np.ndarray    # sales holding the sku
    return_count: np.ndarray   # returns holding the sku
    n_sales: int = 0
    n_returns: int = 0
    n_lines: int = 0           # lines of the sales
    seen: int = 0              # orders read from the buckets
    mine: int = 0              # of which this ingest created
    emptied: int = 0           # orders left empty by the service lines dropped

    def add(self, idx: np.ndarray, when: int, is_return: bool) -> None:
        """One order: the sorted indices of its skus and its time code."""
        if is_return:
            self.n_returns += 1
            self.return_count[idx] += 1
            self.together.add(idx, when)
        else:
            self.n_sales += 1
            self.n_lines += len(idx)
            self.order_count[idx] += 1
            self.pairs.add(idx, when)

    def note(self, parsed: Parsed) -> None:
        counts = parsed.counts
        if self.emptied:
            counts.note("orders_only_service_lines", self.emptied)
        counts.duplicates += self.seen - self.mine
        if self.seen - self.mine:
            counts.note("orders_already_in_graph", self.seen - self.mine)
        if parsed.buckets.any_returns:
            counts.note("return_orders", self.n_returns)


def _count_created_orders(gw: Gateway | None, parsed: Parsed, nonce: str, work: Path | None) -> _CreatedOrders:
    """Count the orders of every bucket that this ingest (``nonce``) created, after it wrote them
    (``gw`` None: a bulk load into an empty database, which creates every order of the file)."""
    buckets = parsed.buckets
    skus = sorted({stub["sku"] for stub in parsed.stubs} | set(buckets.in_orders))
    index = {s: i for i, s in enumerate(skus)}
    parts = buckets.n if work is not None else 1
    created = _CreatedOrders(skus, parts, PairCounter(skus, work / "pairs" if parts > 1 else None, parts),
                             PairCounter(skus, work / "returned" if parts > 1 else None, parts),
                             np.zeros(len(skus), dtype=np.int64), np.zeros(len(skus), dtype=np.int64))
    for table, left_empty in buckets.tables(parsed.dropped):
        created.emptied += left_empty
        created.seen += len(table.ids)
        not_mine: set[str] = set()
        for ids in chunked(table.ids, FIND_BATCH) if gw is not None else ():
            not_mine.update(r["id"] for r in gw.read("ingest/find_orders_not_ingested", {"nonce": nonce, "ids": ids}))
        created.mine += len(table.ids) - len(not_mine)
        for oid, props, items, r in zip(table.ids, table.props, table.items, table.returns):
            if oid in not_mine:
                continue
            idx = np.fromiter((index[s] for s in items), dtype=np.int64, count=len(items))
            idx.sort()
            created.add(idx, time_code(props.get("time")), r)  # the order's o.time: the pairs' first and last seen
    return created


def _co_purchase_step(created: _CreatedOrders, parsed: Parsed, batch_size: int, source_id: str,
                      work: Path | None) -> Step:
    """The sales' pair counts, reduced (kept in memory or on disk) and written per range of lower skus."""
    reduced = _reduced(created.pairs, work / "reduced" if created.parts > 1 else None)
    n_pairs = sum(len(p) for p in reduced())
    parsed.counts.note("co_purchased_pairs", n_pairs)

    def add_pairs(tx, batch: dict, tally: Tally) -> None:
        # Each pair is in exactly one batch of this step (one range of lower skus per partition), so when
        # no CO_PURCHASED existed at the first batch (decision kept on the source), CREATE is safe and
        # ~2x faster than MERGE on dense products.
        mode = run_statement(tx, "ingest/co_purchase_mode", {"source_id": source_id})[0]["mode"]
        name = "ingest/create_co_purchased" if mode == "create" else "ingest/add_co_purchased"
        run_statement(tx, name, batch, tally)

    def pair_batches() -> Iterator[dict]:
        for part in reduced():
            yield from part.grouped_batches(batch_size)

    return Step(phase="co-purchases", rows=n_pairs, batches=pair_batches, apply=add_pairs, weigh=batch_pairs)


def _return_steps(created: _CreatedOrders, parsed: Parsed, batch_size: int) -> Iterator[Step]:
    """Returns per sku, then the pairs returned together."""
    return_counts = _sku_counts(created.skus, created.return_count)
    yield Step(phase="return counts", rows=len(return_counts),
               batches=lambda: chunked(return_counts, batch_size),
               apply=simple_apply("ingest/add_return_counts"))
    together_parts = list(created.together.partitions())
    n_together = sum(len(part) for part in together_parts)
    parsed.counts.note("returned_together_pairs", n_together)
    if n_together:
        yield Step(phase="returned together", rows=n_together,
                   batches=lambda: (b for part in together_parts for b in part.flat_batches(batch_size)),
                   apply=_params_apply("ingest/add_returned_together"), weigh=batch_pairs)


def _sku_counts(skus: list[str], counts: np.ndarray) -> list[list]:
    """``[sku, count]`` rows of the skus counted at least once."""
    return [[skus[i], int(counts[i])] for i in np.flatnonzero(counts).tolist()]


def _reduced(pairs: PairCounter, folder: Path | None):
    """The reduced partitions of ``pairs``, kept in memory (one partition) or saved one file each, as a
    callable that gives them again (the co-purchase step reads them once, the count once)."""
    if folder is None:
        parts = list(pairs.partitions())
        return lambda: iter(parts)
    place = spill_place(folder)
    with place.writing():
        folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, part in enumerate(pairs.partitions()):
        path = folder / f"reduced-{i:04d}.npz"
        with place.writing(), open(path, "wb") as fh:
            np.savez(fh, a=part.a, b=part.b, count=part.count, weight=part.weight, first=part.first, last=part.last)
        files.append(path)

    def load() -> Iterator[PairCounts]:
        for path in files:
            with np.load(path, allow_pickle=False) as z:
                yield PairCounts(pairs.skus, z["a"], z["b"], z["count"], z["weight"], z["first"], z["last"])

    return load


def _params_apply(name: str):
    """An ``apply`` whose batch is the statement's whole parameter map (``{"times": …, "rows": …}``)."""

    def apply(tx, batch: dict, tally: Tally) -> None:
        run_statement(tx, name, batch, tally)

    return apply


def apply_service_rules(gw: Gateway, parsed: Parsed, options: IngestOptions) -> None:
    """Add the share rule to the service skus the reader found, note them, and (unless
    ``keep_service_lines``) mark their lines to be dropped (``parsed.dropped``); orders left empty
    are dropped too (see :mod:`relmine.ingest.returns`)."""
    buckets = parsed.buckets
    service = parsed.service
    in_orders = buckets.in_orders
    candidates = sorted(share_candidates(in_orders, buckets.n_sales, options.service_share) - set(service))
    if candidates:
        for r in gw.read("ingest/find_uncategorised", {"skus": candidates}):
            service[r["sku"]] = f"in {in_orders[r['sku']] / buckets.n_sales:.0%} of orders, no category"
    if not service:
        return
    counts = parsed.counts
    for sku in sorted(service):
        counts.note(f"service {sku} ({service[sku]})", parsed.line_counts.get(sku, 0))
    counts.note("service_lines", sum(parsed.line_counts.get(sku, 0) for sku in service))
    if options.keep_service_lines:
        counts.note("service_lines_kept", sum(parsed.line_counts.get(sku, 0) for sku in service))
        return
    parsed.dropped = frozenset(service)
    parsed.stubs = [stub for stub in parsed.stubs if stub["sku"] not in service]


def graph_stats(gw: Gateway) -> dict[str, Any]:
    """Counts by label and type, ingested sources and the order statistics."""
    counts = gw.read("admin/count_graph")
    sources = gw.read("ingest/list_sources")
    stats = gw.read_one("ingest/get_order_stats") or {}
    return {"counts": counts, "sources": sources, "orders": stats}


__all__ = ["ingest_file", "resolve", "plan", "graph_stats", "typed_statement", "apply_service_rules"]
