"""Co-purchase pairs of a set of baskets, counted with numpy.

Every unordered pair of distinct products in one basket counts once; it is
stored once, from the lower sku to the higher (Python string order), which is
the direction of ``CO_PURCHASED`` in the graph: query it undirected,
``(a)-[:CO_PURCHASED]-(b)``. Next to the count, each pair gets a weight of
``Σ 1 / (basket size - 1)`` over its baskets: a basket spreads one unit of
weight per item over that item's partners, so huge baskets do not dominate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from relmine.ingest.folders import spill_place

_CHUNK = 1_000_000  # pair entries buffered before a reduce (16 MB)


@dataclass
class PairCounts:
    skus: list[str]            # sorted; a pair (i, j) has i < j
    a: np.ndarray              # int64 indices into skus
    b: np.ndarray
    count: np.ndarray          # int64
    weight: np.ndarray         # float64

    def __len__(self) -> int:
        return len(self.a)

    def rows(self) -> Iterator[list]:
        """``[sku_a, sku_b, count, weight]`` rows, ordered by (a, b)."""
        skus = self.skus
        for i, j, c, w in zip(self.a.tolist(), self.b.tolist(), self.count.tolist(), self.weight.tolist()):
            yield [skus[i], skus[j], c, w]

    def grouped_batches(self, size: int) -> Iterator[list]:
        """Batches of at most ``size`` pairs as ``[sku_a, [sku_b, ...], [count, ...], [weight, ...]]`` rows,
        one row per run of the same lower sku (pairs are ordered by (a, b)): the statement looks up
        ``a`` once per row instead of once per pair, and the rows travel as a few long lists."""
        names = np.array(self.skus, dtype=object)
        for start in range(0, len(self.a), size):
            a = self.a[start:start + size]
            cuts = (np.flatnonzero(np.diff(a)) + 1).tolist()
            starts, ends = [0, *cuts], [*cuts, len(a)]
            heads = names[a[starts]].tolist() if len(a) else []
            targets = names[self.b[start:start + size]].tolist()
            counts = self.count[start:start + size].tolist()
            weights = self.weight[start:start + size].tolist()
            yield [[h, targets[i:j], counts[i:j], weights[i:j]] for h, i, j in zip(heads, starts, ends)]

    def as_dict(self) -> dict[tuple[str, str], tuple[int, float]]:
        return {(r[0], r[1]): (r[2], r[3]) for r in self.rows()}


def _reduce(codes: np.ndarray, weights: np.ndarray, counts: np.ndarray | None = None):
    uniq, inverse = np.unique(codes, return_inverse=True)
    c = np.bincount(inverse, weights=counts if counts is not None else None, minlength=len(uniq))
    w = np.bincount(inverse, weights=weights, minlength=len(uniq))
    return uniq, np.rint(c).astype(np.int64), w


class PairCounter:
    """Pairs of baskets given as sorted arrays of global sku indices, counted in bounded memory.

    Every ``_CHUNK`` pair entries are reduced (``np.unique``) and, with a ``folder``, split by the
    lower index into ``parts`` ranges appended to one file each (``np.save``, several arrays a file);
    :meth:`partitions` then reduces one range at a time. A pair lands in exactly one range, so the
    ranges, in order, hold every pair once, ordered by (a, b). Without a folder the chunks stay in
    memory (one range)."""

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
        self._pending = 0
        self._memory: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._files: list | None = None  # opened at the first emit: a counter never fed opens nothing
        self._place = spill_place(folder) if folder is not None else None
        if folder is not None:
            with self._place.writing():
                folder.mkdir(parents=True, exist_ok=True)

    def add(self, idx: np.ndarray) -> None:
        """One basket: its distinct sku indices, sorted ascending. Its pairs go into a preallocated
        buffer of at most ``_CHUNK`` entries (16 bytes each), reduced when full."""
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
            self._emit(*_reduce(codes, np.full(m, 1.0 / (k - 1))))
            return
        end = self._pending + m
        if end > len(self._codes):
            if len(self._codes) < _CHUNK:
                grown = min(_CHUNK, max(end, 2 * len(self._codes)))
                self._codes = np.resize(self._codes, grown)
                self._weights = np.resize(self._weights, grown)
            if end > len(self._codes):
                self.flush()
                end = m
        self._codes[end - m:end] = codes
        self._weights[end - m:end] = 1.0 / (k - 1)
        self._pending = end

    def flush(self) -> None:
        if not self._pending:
            return
        reduced = _reduce(self._codes[:self._pending], self._weights[:self._pending])
        self._pending = 0
        self._emit(*reduced)

    def _emit(self, uniq: np.ndarray, count: np.ndarray, weight: np.ndarray) -> None:
        self.entries += len(uniq)
        if self.folder is None:
            self._memory.append((uniq, count, weight))
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
                        for arr in (uniq[lo:hi], count[lo:hi], weight[lo:hi]):
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
            return PairCounts(self.skus, empty, empty, empty, np.zeros(0))
        if len(parts) == 1:
            uniq, count, weight = parts[0]
        else:
            uniq, count, weight = _reduce(np.concatenate([p[0] for p in parts]),
                                          np.concatenate([p[2] for p in parts]),
                                          np.concatenate([p[1] for p in parts]).astype(np.float64))
        return PairCounts(self.skus, uniq // self.n, uniq % self.n, count, weight)


def _load_chunks(path: Path) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    out = []
    if not path.exists():  # nothing was emitted
        return out
    with open(path, "rb") as fh:
        while fh.peek(1) if hasattr(fh, "peek") else False:
            out.append(tuple(np.load(fh, allow_pickle=False) for _ in range(3)))
    path.unlink()
    return out


def pair_counts(baskets: Iterable[Iterable[str]]) -> PairCounts:
    """Count co-occurring pairs over ``baskets`` (each an iterable of skus; repeats ignored), in memory."""
    sets = [sorted(set(b)) for b in baskets]
    skus = sorted({s for b in sets for s in b})
    index = {s: i for i, s in enumerate(skus)}
    counter = PairCounter(skus)
    for items in sets:
        if len(items) >= 2:
            counter.add(np.fromiter((index[s] for s in items), dtype=np.int64, count=len(items)))
    return next(counter.partitions())


def item_order_counts(baskets: Iterable[Iterable[str]]) -> list[list]:
    """``[sku, number of baskets holding it]``, sorted by sku."""
    counter: Counter[str] = Counter()
    for b in baskets:
        counter.update(set(b))
    return [[s, counter[s]] for s in sorted(counter)]
