"""The write path: numbered batches, each in one transaction that first claims its number.

Crash safety. A :class:`Step` yields its batches in a deterministic order (the
same file and options give the same batches), and the engine numbers them
1, 2, 3… across steps. Each batch runs in ONE managed transaction that first
claims its number — ``(:Source).cursor`` goes from ``seq - 1`` to ``seq``
(``ingest/claim_batch``, which also locks the source node) — and then writes
the batch. Either both commit or neither does. A run killed at any point, run
again, skips the batches up to the cursor and writes the rest: the graph ends
exactly as after an uninterrupted run, additive counts included. The claim
also turns a driver retry of a batch whose commit did land (its answer lost)
into a no-op, and stops a second process working on the same file at the
same time (:class:`IngestConflict`).

Batches are written one at a time: concurrent batches that create
relationships lock overlapping product nodes in different orders and deadlock
(measured on amazon0302: slower than one writer). The next batch is built in
a thread while Neo4j works on the current one.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

import neo4j

from relmine import cypher
from relmine.errors import RelmineError
from relmine.gateway import chunks as chunked  # noqa: F401 (used by relmine.ingest.load)
from relmine.gateway import Gateway, bulk_params
from relmine.progress import Progress


class IngestConflict(RelmineError):
    """The source's cursor moved under us: another ingest of the same file is running."""


Apply = Callable[[neo4j.ManagedTransaction, list, "Tally"], None]


@dataclass
class Step:
    """One phase of an ingest: ``batches()`` must give the same batches on every call."""

    phase: str
    rows: int
    batches: Callable[[], Iterator[list]]
    apply: Apply
    weigh: Callable[[list], int] = len  # rows in a batch, for progress


@dataclass
class Tally:
    """Counters summed over the committed batches of this run."""

    batches: int = 0
    skipped: int = 0
    counters: dict[str, int] = field(default_factory=dict)

    def add(self, counters: Any) -> None:
        for key in ("nodes_created", "relationships_created", "relationships_deleted", "properties_set"):
            value = getattr(counters, key, 0)
            if value:
                self.counters[key] = self.counters.get(key, 0) + value


def run_statement(tx: neo4j.ManagedTransaction, name: str, params: dict[str, Any], tally: Tally | None = None,
                  *, text: str | None = None) -> list[dict[str, Any]]:
    """Run a named statement inside ``tx``; returns its records, adds its counters to ``tally``."""
    result = tx.run(text if text is not None else cypher.load(name), bulk_params(params))
    records = [r.data() for r in result]
    summary = result.consume()
    if tally is not None:
        tally.add(summary.counters)
    return records


def simple_apply(name: str, *, text: str | None = None, key: str = "rows",
                 extra: dict[str, Any] | None = None) -> Callable[[neo4j.ManagedTransaction, list, Tally], None]:
    """An ``apply`` that runs one ``UNWIND $rows`` statement."""

    def apply(tx: neo4j.ManagedTransaction, batch: list, tally: Tally) -> None:
        run_statement(tx, name, {**(extra or {}), key: batch}, tally, text=text)

    return apply


def prefetch(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Build the next items in a thread while the caller waits on Neo4j (the driver releases the GIL on I/O)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put(("item", item), timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(("end", done))
        except BaseException as exc:  # handed to the consumer, raised there
            q.put(("error", exc))

    thread = threading.Thread(target=produce, name="relmine-ingest-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()


class BatchRunner:
    """Runs steps for one source, skipping the batches an earlier run committed."""

    def __init__(self, gw: Gateway, source_id: str, cursor: int, *, progress: bool = True,
                 on_commit: Callable[[int], None] | None = None):
        self.gw = gw
        self.source_id = source_id
        self.cursor = cursor
        self.progress = progress
        self.on_commit = on_commit
        self.seq = 0
        self.tally = Tally()

    def run(self, steps: Iterable[Step]) -> Tally:
        for step in steps:  # lazily built: a later step may read what an earlier one wrote
            self._run_step(step)
        return self.tally

    def _run_step(self, step: Step) -> None:
        with Progress(f"ingest {step.phase}", total=step.rows, unit="rows", enabled=self.progress) as bar:
            for batch in prefetch(step.batches()):
                self.seq += 1
                if self.seq > self.cursor:
                    committed = self._commit(step, self.seq, batch)
                    self.tally.batches += 1
                    for key, value in committed.counters.items():
                        self.tally.counters[key] = self.tally.counters.get(key, 0) + value
                    if self.on_commit is not None:
                        self.on_commit(self.seq)
                else:
                    self.tally.skipped += 1
                bar.update(step.weigh(batch))

    def _commit(self, step: Step, seq: int, batch: list) -> Tally:
        claim = cypher.load("ingest/claim_batch")

        def work(tx: neo4j.ManagedTransaction) -> Tally:
            local = Tally()
            rows = run_statement(tx, "ingest/claim_batch", {"source_id": self.source_id, "seq": seq, "phase": step.phase},
                                 text=claim)
            if not rows or rows[0]["claimed"] != 1:
                raise IngestConflict(
                    f"batch {seq} of source {self.source_id[:12]} was not the next one to write: another "
                    "`relmine ingest` of the same file is running (or finished it); wait for it and run again")
            step.apply(tx, batch, local)
            return local

        return self.gw.run_in_transaction(work, name=f"ingest/{step.phase}")
