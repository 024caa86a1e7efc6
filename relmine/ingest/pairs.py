"""Co-purchase pairs of a set of baskets, counted with numpy.

Every unordered pair of distinct products in one basket counts once; it is
stored once, from the lower sku to the higher (Python string order), which is
the direction of ``CO_PURCHASED`` in the graph: query it undirected,
``(a)-[:CO_PURCHASED]-(b)``. Next to the count, each pair gets a weight of
``Σ 1 / (basket size - 1)`` over its baskets: a basket spreads one unit of
weight per item over that item's partners, so huge baskets do not dominate.

Each pair also carries when it was first and last seen: the smallest and the largest time of its
baskets, as int64 microseconds since 1970-01-01 of the order's LOCAL time (``o.time`` is a LOCAL
DATETIME). Microseconds are exact for every time the readers produce (Python datetimes), at the same
8 bytes as seconds; days would be cheaper in 4 bytes but not exact. A basket without a time counts
but moves neither: ``NO_FIRST`` / ``NO_LAST`` stand for "none" (the identities of min and max), so a
pair none of whose baskets has a time has neither (see :func:`time_batch`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from relmine.ingest.folders import spill_place

_CHUNK = 1_000_000  # pair entries buffered before a reduce (24 MB)
NO_FIRST = np.iinfo(np.int64).max  # a first-seen time that is none: larger than any
NO_LAST = np.iinfo(np.int64).min   # a last-seen time that is none: smaller than any
_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)


def time_code(when: datetime | None) -> int:
    """An order time (naive: LOCAL) as microseconds since 1970-01-01; ``NO_FIRST`` for none."""
    return NO_FIRST if when is None else (when - _EPOCH) // _US


def time_of(code: int) -> datetime | None:
    """The inverse of :func:`time_code` (``NO_FIRST`` / ``NO_LAST``: None)."""
    return None if code in (NO_FIRST, NO_LAST) else _EPOCH + code * _US


def time_batch(first: np.ndarray, last: np.ndarray) -> tuple[list[int], list, list]:
    """The times of a batch as the statements take them: the distinct times once (``$times``, epoch
    microseconds that Cypher turns into LOCAL DATETIMEs once per batch) and, per relation, the
    positions of its first and last time in that list (None where it has none). Many pairs share the
    times of a few orders, so most conversions are saved (``ingest/create_co_purchased``)."""
    seen = np.concatenate([first[first != NO_FIRST], last[last != NO_LAST]])
    times = np.unique(seen)
    return times.tolist(), _positions(times, first, NO_FIRST), _positions(times, last, NO_LAST)


def _positions(times: np.ndarray, values: np.ndarray, none: int) -> list:
    at = np.searchsorted(times, values).tolist()
    missing = values == none
    if missing.any():
        for i in np.flatnonzero(missing).tolist():
            at[i] = None
    return at


@dataclass
class PairCounts:
    skus: list[str]            # sorted; a pair (i, j) has i < j
    a: np.ndarray              # int64 indices into skus
    b: np.ndarray
    count: np.ndarray          # int64
    weight: np.ndarray         # float64
    first: np.ndarray          # int64 epoch microseconds of the earliest basket (NO_FIRST: none had a time)
    last: np.ndarray           # int64 epoch microseconds of the latest basket (NO_LAST: none had a time)

    def __len__(self) -> int:
        return len(self.a)

    def rows(self) -> Iterator[list]:
        """``[sku_a, sku_b, count, weight, first, last]`` rows, ordered by (a, b); the times as naive
        datetimes (None: no basket of the pair had a time)."""
        skus = self.skus
        for i, j, c, w, f, l in zip(self.a.tolist(), self.b.tolist(), self.count.tolist(), self.weight.tolist(),
                                    self.first.tolist(), self.last.tolist()):
            yield [skus[i], skus[j], c, w, time_of(f), time_of(l)]

    def grouped_batches(self, size: int) -> Iterator[dict]:
        """Batches of at most ``size`` pairs as ``{"times": [...], "rows": [[sku_a, [sku_b, ...], [count, ...],
        [weight, ...], [first, ...], [last, ...]], ...]}``, one row per run of the same lower sku (pairs are
        ordered by (a, b)): the statement looks up ``a`` once per row instead of once per pair, and the rows
        travel as a few long lists. ``first`` / ``last`` are positions in ``times`` (:func:`time_batch`)."""
        names = np.array(self.skus, dtype=object)
        for start in range(0, len(self.a), size):
            a = self.a[start:start + size]
            cuts = (np.flatnonzero(np.diff(a)) + 1).tolist()
            starts, ends = [0, *cuts], [*cuts, len(a)]
            heads = names[a[starts]].tolist() if len(a) else []
            targets = names[self.b[start:start + size]].tolist()
            counts = self.count[start:start + size].tolist()
            weights = self.weight[start:start + size].tolist()
            times, first, last = time_batch(self.first[start:start + size], self.last[start:start + size])
            yield {"times": times,
                   "rows": [[h, targets[i:j], counts[i:j], weights[i:j], first[i:j], last[i:j]]
                            for h, i, j in zip(heads, starts, ends)]}

    def flat_batches(self, size: int) -> Iterator[dict]:
        """Batches of at most ``size`` pairs as ``{"times": [...], "rows": [[sku_a, sku_b, count, weight,
        first, last], ...]}`` (``first`` / ``last`` as in :meth:`grouped_batches`)."""
        names = np.array(self.skus, dtype=object)
        for start in range(0, len(self.a), size):
            end = start + size
            times, first, last = time_batch(self.first[start:end], self.last[start:end])
            yield {"times": times, "rows": [list(r) for r in zip(
                names[self.a[start:end]].tolist(), names[self.b[start:end]].tolist(), self.count[start:end].tolist(),
                self.weight[start:end].tolist(), first, last)]}

    def as_dict(self) -> dict[tuple[str, str], tuple[int, float]]:
        return {(r[0], r[1]): (r[2], r[3]) for r in self.rows()}

    def times(self) -> dict[tuple[str, str], tuple[datetime | None, datetime | None]]:
        """``(sku_a, sku_b) -> (first seen, last seen)``."""
        return {(r[0], r[1]): (r[4], r[5]) for r in self.rows()}


def batch_pairs(batch: dict) -> int:
    """Pairs in a batch of :meth:`PairCounts.grouped_batches` or :meth:`PairCounts.flat_batches`."""
    rows = batch["rows"]
    return sum(len(row[1]) for row in rows) if rows and isinstance(rows[0][1], list) else len(rows)


def _reduce(codes: np.ndarray, weights: np.ndarray, first: np.ndarray, last: np.ndarray,
            counts: np.ndarray | None = None):
    """Entries of the same pair code summed (count, weight) and their times' min (first) and max (last)."""
    uniq, inverse = np.unique(codes, return_inverse=True)
    c = np.bincount(inverse, weights=counts if counts is not None else None, minlength=len(uniq))
    w = np.bincount(inverse, weights=weights, minlength=len(uniq))
    lo = np.full(len(uniq), NO_FIRST, dtype=np.int64)
    np.minimum.at(lo, inverse, first)
    hi = np.full(len(uniq), NO_LAST, dtype=np.int64)
    np.maximum.at(hi, inverse, last)
    return uniq, np.rint(c).astype(np.int64), w, lo, hi


class PairCounter:
    """Pairs of baskets given as sorted arrays of global sku indices, counted in bounded memory.

    Every ``_CHUNK`` pair entries are reduced (``np.unique``) and, with a ``folder``, split by the
    lower index into ``parts`` ranges appended to one file each (``np.save``, several arrays a file);
    :meth:`partitions` then reduces one range at a time. A pair lands in exactly one range, so the
    ranges, in order, hold every pair once, ordered by (a, b). Without a folder the chunks stay in
    memory (one range). Every reduce, the partial ones and the last, takes the min of the first-seen
    and the max of the last-seen times with the sums, so chunking and spilling do not change them."""

    def __init__(self, skus: list[str], folder: Path | None = None, parts: int = 1):
        self.skus = skus
        self.n = max(len(skus), 1)
        self.folder = folder
        self.parts = max(1, parts) if folder is not None else 1
        self.entries = 0
        self._triu: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        size = max(1, min(_CHUNK, 1 << 16))  # grows up to _CHUNK: small inputs stay small
        self._codes = np.empty(size, dtype=np.int64)
        self._weights = np.empty(size, dtype=np.float64)
        self._times = np.empty(size, dtype=np.int64)
        self._pending = 0
        self._memory: list[tuple[np.ndarray, ...]] = []
        self._files: list | None = None  # opened at the first emit: a counter never fed opens nothing
        self._place = spill_place(folder) if folder is not None else None
        if folder is not None:
            with self._place.writing():
                folder.mkdir(parents=True, exist_ok=True)

    def add(self, idx: np.ndarray, time: int = NO_FIRST) -> None:
        """One basket: its distinct sku indices, sorted ascending, and its time (:func:`time_code`;
        ``NO_FIRST``: none). Its pairs go into a preallocated buffer of at most ``_CHUNK`` entries
        (24 bytes each), reduced when full."""
        k = len(idx)
        if k < 2:
            return
        if k not in self._triu:
            self._triu[k] = np.triu_indices(k, 1)
        i, j = self._triu[k]
        m = len(i)
        codes = idx[i] * self.n + idx[j]
        if m > _CHUNK:  # one huge basket: reduced on its own
            self.flush()
            times = np.full(m, time, dtype=np.int64)
            self._emit(*_reduce(codes, np.full(m, 1.0 / (k - 1)), times, _as_last(times)))
            return
        end = self._pending + m
        if end > len(self._codes):
            if len(self._codes) < _CHUNK:
                grown = min(_CHUNK, max(end, 2 * len(self._codes)))
                self._codes = np.resize(self._codes, grown)
                self._weights = np.resize(self._weights, grown)
                self._times = np.resize(self._times, grown)
            if end > len(self._codes):
                self.flush()
                end = m
        self._codes[end - m:end] = codes
        self._weights[end - m:end] = 1.0 / (k - 1)
        self._times[end - m:end] = time
        self._pending = end

    def flush(self) -> None:
        if not self._pending:
            return
        times = self._times[:self._pending]
        reduced = _reduce(self._codes[:self._pending], self._weights[:self._pending], times, _as_last(times))
        self._pending = 0
        self._emit(*reduced)

    def _emit(self, uniq: np.ndarray, count: np.ndarray, weight: np.ndarray, first: np.ndarray,
              last: np.ndarray) -> None:
        self.entries += len(uniq)
        if self.folder is None:
            self._memory.append((uniq, count, weight, first, last))
            return
        # uniq is sorted, so each range of lower indices is one slice
        bounds = np.searchsorted(uniq, [(p * self.n // self.parts) * self.n for p in range(1, self.parts)])
        try:
            with self._place.writing():
                if self._files is None:
                    self._files = []
                    for i in range(self.parts):
                        self._files.append(open(self.folder / f"pairs-{i:04d}.npy", "wb"))
                for p, (lo, hi) in enumerate(zip([0, *bounds.tolist()], [*bounds.tolist(), len(uniq)])):
                    if hi > lo:
                        for arr in (uniq[lo:hi], count[lo:hi], weight[lo:hi], first[lo:hi], last[lo:hi]):
                            np.save(self._files[p], arr, allow_pickle=False)
        except BaseException:
            self._close_files()
            raise

    def _close_files(self) -> None:
        """Close the range files after a failed write (the scratch folder is removed with them)."""
        for fh in self._files or ():
            try:
                fh.close()
            except OSError:
                pass

    def partitions(self) -> Iterator[PairCounts]:
        """The reduced pairs of each range in order (every pair once, ordered by (a, b))."""
        self.flush()
        if self.folder is None:
            chunks = [self._memory]
            self._memory = []
        else:
            try:
                with self._place.writing():
                    for fh in self._files or ():
                        fh.close()
            except BaseException:
                self._close_files()
                raise
            chunks = (_load_chunks(self.folder / f"pairs-{i:04d}.npy") for i in range(self.parts))
        for parts in chunks:
            yield self._combine(parts)

    def _combine(self, parts: list) -> PairCounts:
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return PairCounts(self.skus, empty, empty, empty, np.zeros(0), empty, empty)
        if len(parts) == 1:
            uniq, count, weight, first, last = parts[0]
        else:
            uniq, count, weight, first, last = _reduce(np.concatenate([p[0] for p in parts]),
                                                       np.concatenate([p[2] for p in parts]),
                                                       np.concatenate([p[3] for p in parts]),
                                                       np.concatenate([p[4] for p in parts]),
                                                       np.concatenate([p[1] for p in parts]).astype(np.float64))
        return PairCounts(self.skus, uniq // self.n, uniq % self.n, count, weight, first, last)


def _as_last(times: np.ndarray) -> np.ndarray:
    """Basket times as last-seen candidates: a basket without a time (``NO_FIRST``) is ``NO_LAST``."""
    return np.where(times == NO_FIRST, NO_LAST, times)


def _load_chunks(path: Path) -> list[tuple[np.ndarray, ...]]:
    out = []
    if not path.exists():  # nothing was emitted
        return out
    with open(path, "rb") as fh:
        while fh.peek(1) if hasattr(fh, "peek") else False:
            out.append(tuple(np.load(fh, allow_pickle=False) for _ in range(5)))
    path.unlink()
    return out


def pair_counts(baskets: Iterable[Iterable[str]], times: Iterable[datetime | None] | None = None) -> PairCounts:
    """Count co-occurring pairs over ``baskets`` (each an iterable of skus; repeats ignored), in memory;
    ``times``: each basket's time (None: none), for the pairs' first and last seen."""
    sets = [sorted(set(b)) for b in baskets]
    codes = [time_code(t) for t in times] if times is not None else [NO_FIRST] * len(sets)
    skus = sorted({s for b in sets for s in b})
    index = {s: i for i, s in enumerate(skus)}
    counter = PairCounter(skus)
    for items, code in zip(sets, codes):
        if len(items) >= 2:
            counter.add(np.fromiter((index[s] for s in items), dtype=np.int64, count=len(items)), code)
    return next(counter.partitions())


def item_order_counts(baskets: Iterable[Iterable[str]]) -> list[list]:
    """``[sku, number of baskets holding it]``, sorted by sku."""
    counter: Counter[str] = Counter()
    for b in baskets:
        counter.update(set(b))
    return [[s, counter[s]] for s in sorted(counter)]
