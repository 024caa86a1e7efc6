"""Order lines of files larger than memory: hash-partitioned onto disk, grouped one bucket at a time.

An order's lines need not be contiguous in a file, and an order must be counted once. The reader
therefore writes every accepted line to one of ``n`` bucket files chosen by a stable hash of its
order id (CRC-32), so all lines of an order share a bucket whatever their place in the file. Then
each bucket is grouped into its orders alone (lines of an order summed, in order of first
appearance), checked, and written back as grouped orders. Memory holds one bucket, the pending
lines of each bucket (a few thousand), and per-product figures: it grows with the number of
products, not with the file. The same file with the same chunk size gives the same buckets in the
same order, which the resumable batches need (see :mod:`relmine.ingest.engine`).

Why a disk partition and not, say, per-chunk pair counts merged in Neo4j: pair counts must come
only from the orders an ingest created (an order seen in another file counts once), which is known
only after the orders are written; and a single global pass over the pairs lets every pair be
CREATEd once instead of MERGEd once per chunk (see :class:`relmine.ingest.pairs.PairCounter`).

The files are this process's own scratch (a fresh private folder under ``$RELMINE_HOME/spill``,
removed when the ingest ends; a killed run's folder at the next start, its process gone): they are written with
:mod:`pickle` and read back only by the run that wrote them, never from anyone else.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from relmine.ingest import values as V
from relmine.ingest.folders import spill_place
from relmine.ingest.parsed import OrderTable

PENDING = 40_000         # lines held in all buckets together before a bucket is appended to its file


def bucket_count(path: Path, fmt: str, chunk_mb: float) -> int:
    """Buckets for a file: its (estimated uncompressed) size over ``chunk_mb``, at least 1."""
    size = path.stat().st_size
    if path.suffix == ".gz" or fmt in ("parquet", "xlsx"):
        size *= 5  # compressed input: lines take about five times the bytes once read
    return max(1, -(-size // int(chunk_mb * (1 << 20))))


@contextmanager
def scratch(home: Path) -> Iterator[Path]:
    """A private scratch folder under ``home/spill`` (mode 0700), removed on exit. A folder that cannot
    be made raises :class:`relmine.ingest.folders.FolderError` naming ``home/spill`` and the setting."""
    root = home / "spill"
    with spill_place(root).writing():
        root.mkdir(parents=True, exist_ok=True)
        for old in root.glob("ingest-*-*"):  # left by a killed run: its process is gone
            if not _alive(old.name.split("-")[1]):
                shutil.rmtree(old, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(prefix=f"ingest-{os.getpid()}-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


class OrderBuckets:
    """The orders of one file, grouped per bucket (see the module docstring).

    ``table(b)`` gives bucket ``b``'s orders as an :class:`OrderTable`; ``in_orders`` the number of
    sale orders holding each sku and ``n_sales`` the number of sale orders (the share rule of
    service lines), ``any_returns`` whether the file has return orders."""

    def __init__(self, folder: Path | None, n: int):
        self.folder = folder
        self.n = n if folder is not None else 1
        self.in_orders: dict[str, int] = {}
        self.n_sales = 0
        self.n_orders = 0
        self.any_returns = False
        self._tables: list[OrderTable] = []          # in memory (one bucket, no folder)
        self._lines = None
        self._pending: list[list] = []
        self._place = spill_place(folder) if folder is not None else None
        if folder is not None:
            with self._place.writing():
                folder.mkdir(parents=True, exist_ok=True)
                self._lines = [open(folder / f"lines-{b:04d}.pkl", "wb") for b in range(self.n)]
            self._pending = [[] for _ in range(self.n)]
        self._flush_at = max(50, PENDING // self.n)  # per bucket: the total stays under PENDING lines

    @classmethod
    def of_table(cls, table: OrderTable) -> "OrderBuckets":
        """One in-memory bucket holding ``table`` (baskets, small order files)."""
        out = cls(None, 1)
        out._set_stats([table])
        out._tables = [table]
        return out

    # -- writing (the reader) ------------------------------------------------------------------------------
    def bucket_of(self, order_id: str) -> int:
        return zlib.crc32(order_id.encode("utf-8")) % self.n

    def add(self, line: int, order_id: str, sku: str, qty: int, props: dict[str, Any], is_return: bool) -> None:
        b = self.bucket_of(order_id)
        pending = self._pending[b]
        pending.append((line, order_id, sku, qty, props, is_return))
        if len(pending) >= self._flush_at:
            with self._writing():
                pickle.dump(pending, self._lines[b], protocol=pickle.HIGHEST_PROTOCOL)
            self._pending[b] = []

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A failed write (:class:`relmine.ingest.folders.FolderError`) closes every bucket file first."""
        try:
            with self._place.writing():
                yield
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the line files of a read that stopped (their folder is removed with the scratch folder)."""
        for fh in self._lines or ():
            try:
                fh.close()
            except OSError:
                pass

    def group(self, reject, note) -> Iterator[int]:
        """Group every bucket into its orders (yields the bucket number when done). ``reject(line,
        reason, raw)`` gets a line whose quantity summed past the limit (it is left out); ``note(key)``
        counts repeated (order, sku) lines. Returns the number of lines rejected."""
        assert self._lines is not None
        with self._writing():
            for b, fh in enumerate(self._lines):
                if self._pending[b]:
                    pickle.dump(self._pending[b], fh, protocol=pickle.HIGHEST_PROTOCOL)
                fh.close()
        self._pending = []
        for b in range(self.n):
            path = self.folder / f"lines-{b:04d}.pkl"
            table = OrderTable()
            index: dict[str, int] = {}
            for chunk in _load(path):
                for line, oid, sku, qty, props, is_return in chunk:
                    i = index.get(oid)
                    if i is None:
                        i = index[oid] = len(table.ids)
                        table.ids.append(oid)
                        table.props.append({k: v for k, v in props.items() if v is not None})
                        table.items.append({})
                        table.returns.append(is_return)
                    items = table.items[i]
                    if sku in items:
                        try:
                            V.add_quantity(items[sku], qty, f"quantity of {sku} in order {oid} summed to")
                        except ValueError as exc:
                            reject(line, str(exc), f"{oid},{sku},{qty}")
                            continue
                        note("lines_merged")
                    items[sku] = items.get(sku, 0) + qty
            path.unlink()
            with self._place.writing(), open(self.folder / f"orders-{b:04d}.pkl", "wb") as fh:
                pickle.dump(table, fh, protocol=pickle.HIGHEST_PROTOCOL)
            self._set_stats([table])
            del table, index
            yield b

    def _set_stats(self, tables: list[OrderTable]) -> None:
        for table in tables:
            self.n_orders += len(table.ids)
            for items, r in zip(table.items, table.returns):
                if r:
                    self.any_returns = True
                    continue
                self.n_sales += 1
                for sku in items:
                    self.in_orders[sku] = self.in_orders.get(sku, 0) + 1

    # -- reading (relmine.ingest.load) ---------------------------------------------------------------------
    def table(self, b: int, drop: set[str] | frozenset = frozenset()) -> tuple[OrderTable, int]:
        """Bucket ``b``'s orders without the skus in ``drop``, and how many orders that left empty."""
        if self.folder is None:
            table = self._tables[b]
        else:
            with open(self.folder / f"orders-{b:04d}.pkl", "rb") as fh:
                table = pickle.load(fh)  # noqa: S301 (our own scratch file, see the module docstring)
        if not drop:
            return table, 0
        out = OrderTable()
        emptied = 0
        for oid, props, items, r in zip(table.ids, table.props, table.items, table.returns):
            kept = {s: q for s, q in items.items() if s not in drop}
            if not kept:
                emptied += 1
                continue
            out.ids.append(oid)
            out.props.append(props)
            out.items.append(kept)
            out.returns.append(r)
        return out, emptied

    def tables(self, drop: set[str] | frozenset = frozenset()) -> Iterator[tuple[OrderTable, int]]:
        for b in range(self.n):
            yield self.table(b, drop)


def _load(path: Path) -> Iterator[list]:
    with open(path, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)  # noqa: S301 (our own scratch file, see the module docstring)
            except EOFError:
                return
