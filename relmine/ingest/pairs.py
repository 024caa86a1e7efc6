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
from typing import Iterable, Iterator

import numpy as np

_CHUNK = 4_000_000


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


def pair_counts(baskets: Iterable[Iterable[str]]) -> PairCounts:
    """Count co-occurring pairs over ``baskets`` (each an iterable of skus; repeats ignored)."""
    sets = [sorted(set(b)) for b in baskets]
    skus = sorted({s for b in sets for s in b})
    index = {s: i for i, s in enumerate(skus)}
    n = max(len(skus), 1)
    triu: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    codes: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    pending = 0

    def flush() -> None:
        nonlocal pending
        if codes:
            parts.append(_reduce(np.concatenate(codes), np.concatenate(weights)))
            codes.clear()
            weights.clear()
            pending = 0

    for items in sets:
        k = len(items)
        if k < 2:
            continue
        idx = np.fromiter((index[s] for s in items), dtype=np.int64, count=k)  # sorted skus -> sorted idx
        if k not in triu:
            triu[k] = np.triu_indices(k, 1)
        i, j = triu[k]
        codes.append(idx[i] * n + idx[j])
        weights.append(np.full(len(i), 1.0 / (k - 1)))
        pending += len(i)
        if pending >= _CHUNK:
            flush()
    flush()
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return PairCounts(skus, empty, empty, empty, np.zeros(0))
    if len(parts) == 1:
        uniq, count, weight = parts[0]
    else:
        uniq, count, weight = _reduce(np.concatenate([p[0] for p in parts]),
                                      np.concatenate([p[2] for p in parts]),
                                      np.concatenate([p[1] for p in parts]).astype(np.float64))
    return PairCounts(skus, uniq // n, uniq % n, count, weight)


def item_order_counts(baskets: Iterable[Iterable[str]]) -> list[list]:
    """``[sku, number of baskets holding it]``, sorted by sku."""
    counter: Counter[str] = Counter()
    for b in baskets:
        counter.update(set(b))
    return [[s, counter[s]] for s in sorted(counter)]
