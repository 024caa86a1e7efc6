"""``relmine migrate``: give relations ingested before they carried time their ``first_seen`` / ``last_seen``.

Since issue 26, ``CO_PURCHASED`` and ``RETURNED_TOGETHER`` carry the earliest and the latest time of
the orders they come from (:mod:`relmine.ingest.pairs`). A graph ingested before has the orders, with
their ``o.time``, but not the relation times. This recomputes them from
``(:Order {time})-[:CONTAINS]->(:Product)`` with the ingest's own pair counter, so the values are the
ones an ingest of the same orders writes: sale orders give ``CO_PURCHASED``, return orders
``RETURNED_TOGETHER``; orders without a time give nothing.

The orders are streamed (one read), their pairs reduced with numpy in the scratch folder
(``$RELMINE_HOME/spill``), and written in batches of one transaction each, like an ingest's. A batch
only moves ``first_seen`` earlier and ``last_seen`` later and creates nothing, so the migration is
idempotent: run again (after an interruption, say) it changes nothing that is already right. It is a
command of its own rather than a step of ``relmine init``: it reads every order and writes every pair
(minutes on a large graph), while ``init`` runs on every setup and test and must stay instant; ``init``
says when it is needed (order sources recorded before relation times, ``ingest/count_sources_untimed``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from relmine.gateway import Gateway
from relmine.ingest.pairs import PairCounter, batch_pairs, time_code
from relmine.ingest.spill import scratch
from relmine.progress import Progress

BATCH = 20_000            # pairs per transaction (the ingest's default batch size)
ORDERS_PER_PART = 20_000  # orders per range of reduced pairs on disk (memory stays bounded)
FETCH = 5_000             # orders per fetch of the stream


@dataclass
class MigrateReport:
    orders: int = 0              # orders with a time read
    unreadable: int = 0          # of which the time is no date or time (left out)
    co_purchased: int = 0        # CO_PURCHASED pairs found in those orders
    co_purchased_changed: int = 0
    returned_together: int = 0
    returned_together_changed: int = 0
    sources: int = 0             # order sources marked as carrying relation times
    seconds: float = 0.0


def untimed_sources(gw: Gateway) -> int:
    """Order sources ingested before relations carried times (``relmine migrate`` fills them in)."""
    found = gw.read_one("ingest/count_sources_untimed")
    return int(found["sources"]) if found else 0


def migrate_relation_times(gw: Gateway, home: Path, *, progress: bool = True, batch_size: int = BATCH) -> MigrateReport:
    """Recompute ``first_seen`` / ``last_seen`` of ``CO_PURCHASED`` and ``RETURNED_TOGETHER`` from the orders
    (see the module docstring); ``home``: where the scratch folder goes."""
    t0 = time.monotonic()
    report = MigrateReport()
    found = gw.read_one("ingest/migrate_count_orders") or {"orders": 0, "skus": []}
    n_orders = int(found["orders"])
    skus = sorted(s for s in found["skus"] if s is not None)
    index = {s: i for i, s in enumerate(skus)}
    parts = max(1, math.ceil(n_orders / ORDERS_PER_PART))
    with scratch(home) as work:
        sales = PairCounter(skus, work / "sales", parts)
        returns = PairCounter(skus, work / "returns", parts)
        with Progress("migrate: read orders", total=n_orders, unit="orders", enabled=progress) as bar:
            for row in gw.stream("ingest/migrate_read_orders", fetch_size=FETCH):
                report.orders += 1
                bar.update(1)
                when = _local(row["time"])
                if when is None:
                    report.unreadable += 1
                    continue
                items = {index[s] for s in row["skus"] if s in index}
                if len(items) < 2:
                    continue
                idx = np.fromiter(items, dtype=np.int64, count=len(items))
                idx.sort()
                (returns if row["returned"] else sales).add(idx, time_code(when))
        report.co_purchased, report.co_purchased_changed = _write(
            gw, sales, "ingest/migrate_co_purchased_seen", "co-purchases", batch_size, progress)
        report.returned_together, report.returned_together_changed = _write(
            gw, returns, "ingest/migrate_returned_together_seen", "returned together", batch_size, progress)
    report.sources = int(gw.write("ingest/mark_sources_timed").records[0]["sources"])
    report.seconds = time.monotonic() - t0
    return report


def _local(value: Any) -> datetime | None:
    """An order time as the ingest reads it (:func:`relmine.ingest.values.parse_time`): a LOCAL DATETIME as
    it is, a zoned one in UTC, a date at midnight; anything else (text an old graph may hold) None."""
    native = value.to_native() if hasattr(value, "to_native") else value
    if isinstance(native, datetime):
        return native.astimezone(timezone.utc).replace(tzinfo=None) if native.tzinfo is not None else native
    if isinstance(native, date):
        return datetime(native.year, native.month, native.day)
    return None


def _write(gw: Gateway, counter: PairCounter, statement: str, what: str, batch_size: int,
           progress: bool) -> tuple[int, int]:
    """Write one counter's pairs' times, a batch per transaction: (pairs, relations changed)."""
    pairs = changed = 0
    with Progress(f"migrate: {what}", unit="pairs", enabled=progress) as bar:
        for batch in _batches(counter, batch_size):
            n = batch_pairs(batch)
            changed += int(gw.write(statement, batch).records[0]["changed"])
            pairs += n
            bar.update(n)
    return pairs, changed


def _batches(counter: PairCounter, size: int) -> Iterator[dict]:
    """The pairs' times only (``[sku_a, [sku_b, ...], [first, ...], [last, ...]]`` rows); counts and weights
    stay where the ingest put them."""
    for part in counter.partitions():
        for batch in part.grouped_batches(size):
            yield {"times": batch["times"], "rows": [[h, t, f, l] for h, t, _, _, f, l in batch["rows"]]}


__all__ = ["MigrateReport", "migrate_relation_times", "untimed_sources"]
