"""What a reader returns: the rows it accepted (:class:`Parsed`, with :class:`EdgeSet` and
:class:`OrderTable`), what it counted (:class:`Counts`) and rejected (:class:`RejectLog`), and what
an ingest reports (:class:`IngestReport`). What an ingest is told is :mod:`relmine.ingest.options`."""

from __future__ import annotations

import csv
from array import array
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, TextIO

from relmine.ingest.folders import Place, rejects_place
from relmine.ingest.pairs import NO_FIRST, NO_LAST, time_batch
from relmine.ingest.values import SYMMETRIC_TYPES


@dataclass
class Counts:
    read: int = 0         # data rows read (no header, comments or blank lines)
    accepted: int = 0     # rows that passed validation
    rejected: int = 0     # rows written to the rejects file
    duplicates: int = 0   # rows (or orders) already seen in the file or already in the graph
    notes: dict[str, int] = field(default_factory=dict)  # e.g. {"price_dropped": 4}

    def note(self, key: str, n: int = 1) -> None:
        self.notes[key] = self.notes.get(key, 0) + n


class RejectLog:
    """Rejected rows as CSV (``line,reason,raw``), the file opened at the first reject. A file that
    cannot be written (permissions, a full disk) raises a one-line :class:`FolderError` naming ``place``."""

    RAW_MAX = 500

    def __init__(self, path: Path, counts: Counts, place: Place | None = None):
        self.path = path
        self.counts = counts
        self.place = place or rejects_place(path, default=False)
        self.first: list[tuple[int, str]] = []
        self._fh: TextIO | None = None
        self._writer: Any = None

    def reject(self, line: int, reason: str, raw: Any = "") -> None:
        self.counts.rejected += 1
        if len(self.first) < 5:
            self.first.append((line, reason))
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
        text = text.rstrip("\r\n")
        with self.place.writing():
            if self._fh is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.path, "w", encoding="utf-8", newline="")
                self._writer = csv.writer(self._fh)
                self._writer.writerow(["line", "reason", "raw"])
            self._writer.writerow([line, reason, text[: self.RAW_MAX]])

    def conflict(self, line: int, what: str, first_line: int, first: Any, second: Any, raw: Any = "") -> None:
        """A row whose key was already read with other values: rejected, both values in the reason."""
        self.counts.note("conflicting_duplicates")
        if isinstance(first, dict) and isinstance(second, dict):  # only the fields that differ
            keys = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
            first, second = {k: first.get(k) for k in keys}, {k: second.get(k) for k in keys}
        self.reject(line, f"{what} conflicts with line {first_line}: "
                          f"{_show(first)} (kept) vs {_show(second)} (this row)", raw)

    def close(self) -> None:
        if self._fh is not None:
            fh, self._fh = self._fh, None
            with self.place.writing():  # the last buffered rows are written here
                fh.close()

    @property
    def written(self) -> bool:
        return self.counts.rejected > 0


def _show(value: Any, n: int = 400) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class Parsed:
    """Everything a reader took from a file, validated and de-duplicated, ready to plan batches.

    ``products``: ``{"sku", "props", "category"}`` rows (catalogue-like, props overwrite);
    ``stubs``: skus that must exist (endpoints, order lines), props only filled when missing;
    ``edges``: typed relations; ``orders``: the baskets of an orders file.
    """

    counts: Counts = field(default_factory=Counts)
    products: list[dict[str, Any]] = field(default_factory=list)
    stubs: list[dict[str, Any]] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    edges: "EdgeSet | None" = None
    orders: "OrderTable | None" = None                      # orders grouped in memory (one bucket)
    buckets: Any = None                                      # orders: a spill.OrderBuckets (any size)
    dropped: frozenset = frozenset()                         # orders: service skus whose lines are left out
    service: dict[str, str] = field(default_factory=dict)   # orders: service sku -> the rule that caught it
    line_counts: dict[str, int] = field(default_factory=dict)  # orders: lines read per sku


class EdgeSet:
    """Typed relations of one file as integer arrays (1M edges ~ 30 MB), de-duplicated by :meth:`finish`.

    ``add`` appends; ``finish`` drops repeated (type, src, dst) — symmetric types
    either way round, stored from the lower to the higher sku — keeping the first
    occurrence, and orders each type by (src, dst) so rows of one source travel
    together (:meth:`grouped_batches`). A relation given with a time (a date column) gets
    first and last seen: the earliest and the latest time of its rows (epoch microseconds, see
    :func:`relmine.ingest.pairs.time_code`); a type none of whose rows has a time keeps no time arrays.
    """

    def __init__(self) -> None:
        self.skus: list[str] = []
        self.index: dict[str, int] = {}
        self.types: dict[str, tuple[array, array, array, array]] = {}  # src, dst, weight, line
        self.times: dict[str, tuple[array, array]] = {}  # first, last seen (only types with a time)
        self.finished = False
        #: ``(line, first line, rel_type, src, dst, first weight, weight)`` of repeated relations whose
        #: weight differs from the first one's (filled by :meth:`finish`).
        self.conflicts: list[tuple[int, int, str, str, str, float, float]] = []

    def node(self, sku: str) -> int:
        i = self.index.get(sku)
        if i is None:
            i = self.index[sku] = len(self.skus)
            self.skus.append(sku)
        return i

    def __contains__(self, sku: str) -> bool:
        return sku in self.index

    def arrays(self, rel_type: str) -> tuple[array, array, array, array]:
        found = self.types.get(rel_type)
        if found is None:
            found = self.types[rel_type] = (array("q"), array("q"), array("d"), array("q"))
        return found

    def add(self, rel_type: str, src: str, dst: str, weight: float, line: int = 0, time: int = NO_FIRST) -> None:
        self.add_index(rel_type, self.node(src), self.node(dst), weight, line, time)

    def add_index(self, rel_type: str, s: int, d: int, weight: float, line: int = 0, time: int = NO_FIRST) -> None:
        if rel_type in SYMMETRIC_TYPES and self.skus[d] < self.skus[s]:
            s, d = d, s
        a = self.arrays(rel_type)
        a[0].append(s)
        a[1].append(d)
        a[2].append(weight)
        a[3].append(line)
        times = self.times.get(rel_type)
        if times is None and time != NO_FIRST:  # the type's first time: the rows before it had none
            before = len(a[0]) - 1
            times = self.times[rel_type] = (array("q", [NO_FIRST]) * before, array("q", [NO_LAST]) * before)
        if times is not None:
            times[0].append(time)
            times[1].append(NO_LAST if time == NO_FIRST else time)

    def finish(self) -> int:
        """De-duplicate and sort; returns the number of repeated relations dropped (conflicts included)."""
        import numpy as np

        dropped = 0
        for rel_type, (src, dst, w, ln) in list(self.types.items()):
            s = np.frombuffer(src, dtype=np.int64) if len(src) else np.zeros(0, np.int64)
            d = np.frombuffer(dst, dtype=np.int64) if len(dst) else np.zeros(0, np.int64)
            ws = np.frombuffer(w, dtype=np.float64) if len(w) else np.zeros(0)
            lines = np.frombuffer(ln, dtype=np.int64) if len(ln) else np.zeros(0, np.int64)
            codes = s * (len(self.skus) + 1) + d
            _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)  # sorted by (src, dst)
            dropped += len(codes) - len(first)
            if len(codes) != len(first):
                kept = first[inverse.reshape(-1)]
                bad = np.flatnonzero((kept != np.arange(len(codes))) & (ws != ws[kept]))
                for i in bad.tolist():
                    k = int(kept[i])
                    self.conflicts.append((int(lines[i]), int(lines[k]), rel_type, self.skus[s[i]], self.skus[d[i]],
                                           float(ws[k]), float(ws[i])))
            self.types[rel_type] = (array("q", s[first].tobytes()), array("q", d[first].tobytes()),
                                    array("d", ws[first].tobytes()), array("q", lines[first].tobytes()))
            if rel_type in self.times:  # repeated rows: the earliest and the latest of their times
                inv = inverse.reshape(-1)
                lo = np.full(len(first), NO_FIRST, dtype=np.int64)
                np.minimum.at(lo, inv, np.frombuffer(self.times[rel_type][0], dtype=np.int64))
                hi = np.full(len(first), NO_LAST, dtype=np.int64)
                np.maximum.at(hi, inv, np.frombuffer(self.times[rel_type][1], dtype=np.int64))
                self.times[rel_type] = (array("q", lo.tobytes()), array("q", hi.tobytes()))
        self.finished = True
        return dropped

    def count(self, rel_type: str | None = None) -> int:
        if rel_type is not None:
            return len(self.types[rel_type][0]) if rel_type in self.types else 0
        return sum(len(a[0]) for a in self.types.values())

    def rows(self, rel_type: str) -> Iterator[list[Any]]:
        """``[src_sku, dst_sku, weight]`` rows."""
        src, dst, w, _ = self.types[rel_type]
        skus = self.skus
        for s, d, x in zip(src, dst, w):
            yield [skus[s], skus[d], x]

    def grouped_batches(self, rel_type: str, size: int) -> Iterator[dict[str, list]]:
        """Batches of ``size`` relations: ``{"skus": endpoints, "rows": [[src_sku, [dst_sku, ...],
        [weight, ...]], ...]}``, one row per run of the same source. A type with times adds
        ``"times"`` and, to each row, the positions of each relation's first and last seen in it
        (:func:`relmine.ingest.pairs.time_batch`)."""
        import numpy as np

        src, dst, w, _ = self.types[rel_type]
        seen = self.times.get(rel_type)
        first_all = np.frombuffer(seen[0], dtype=np.int64) if seen is not None else None
        last_all = np.frombuffer(seen[1], dtype=np.int64) if seen is not None else None
        if not len(src):
            return
        s_all = np.frombuffer(src, dtype=np.int64)
        d_all = np.frombuffer(dst, dtype=np.int64)
        w_all = np.frombuffer(w, dtype=np.float64)
        names = np.array(self.skus, dtype=object)
        for start in range(0, len(s_all), size):
            s = s_all[start:start + size]
            d = d_all[start:start + size]
            cuts = (np.flatnonzero(np.diff(s)) + 1).tolist()
            starts, ends = [0, *cuts], [*cuts, len(s)]
            heads = names[s[starts]].tolist()
            targets = names[d].tolist()
            weights = w_all[start:start + size].tolist()
            skus = names[np.unique(np.concatenate([s, d]))].tolist()
            if first_all is None:
                yield {"skus": skus, "rows": [[h, targets[a:b], weights[a:b]] for h, a, b in zip(heads, starts, ends)]}
                continue
            times, first, last = time_batch(first_all[start:start + size], last_all[start:start + size])
            yield {"skus": skus, "times": times,
                   "rows": [[h, targets[a:b], weights[a:b], first[a:b], last[a:b]]
                            for h, a, b in zip(heads, starts, ends)]}


def relations_in(batch: dict[str, list]) -> int:
    """Relations in a batch of :meth:`EdgeSet.grouped_batches`."""
    return sum(len(row[1]) for row in batch["rows"])


@dataclass
class OrderTable:
    """Orders of a file, grouped: ``ids[i]`` holds ``items[i]`` (sku -> summed quantity);
    ``returns[i]``: a return (units came back), not a sale."""

    ids: list[str] = field(default_factory=list)
    props: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, int]] = field(default_factory=list)
    returns: list[bool] = field(default_factory=list)


@dataclass
class IngestReport:
    """The closing summary of one ``relmine ingest``."""

    source_id: str
    kind: str
    path: str
    status: str                      # "done" | "already-ingested" | "too-many-rejects"
    counts: Counts
    written: dict[str, int] = field(default_factory=dict)   # nodes/relationships created, properties set
    batches: int = 0                 # batches committed by this run
    resumed_from: int = 0            # batches found committed by an earlier, interrupted run
    rejects_path: str | None = None
    seconds: float = 0.0

    @property
    def rows_per_s(self) -> float:
        return self.counts.read / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rows_per_s"] = round(self.rows_per_s, 1)
        return d
