"""Frequent itemsets and association rules, in process with numpy bitsets.

The baskets become one bitset per item (``np.packbits`` over the orders,
viewed as ``uint64`` words). Itemsets grow level by level, as in apriori,
but the support of a candidate is counted by intersecting bitsets
(``parent_bits & item_bits``, then ``np.bitwise_count``) instead of scanning
the baskets again: a vertical, Eclat-style count. Candidates of level
``k + 1`` join two frequent ``k``-itemsets that share their first ``k - 1``
items (the apriori join); a candidate whose other ``k``-subsets are not all
frequent is dropped before counting (the apriori prune).

The definitions follow mlxtend 0.25 exactly (a test compares both on the
Groceries baskets to 1e-9): ``support = count / n_baskets`` kept when
``support >= min_support``; ``confidence = support(A∪C) / support(A)``;
``lift = confidence / support(C)``; ``leverage = support(A∪C) -
support(A) * support(C)``; ``conviction = (1 - support(C)) / (1 -
confidence)``, infinite when the confidence is 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Iterable, Sequence

import numpy as np

from relmine.errors import InputError

METRICS = ("support", "confidence", "lift", "leverage", "conviction")


# -- baskets ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Baskets:
    """Baskets as one bitset per item.

    Attributes:
        items: item names, sorted (index ``i`` names row ``i`` of ``bits``).
        bits: ``uint64[n_items, n_words]``; bit ``t`` of row ``i`` is set when basket ``t`` holds item ``i``.
        n: number of baskets (empty baskets count, as they do in mlxtend).
    """

    items: tuple[str, ...]
    bits: np.ndarray
    n: int

    @classmethod
    def from_lists(cls, baskets: Iterable[Iterable[str]]) -> "Baskets":
        """Encode baskets given as lists of item names (duplicates inside a basket count once)."""
        rows: list[list[str]] = [list(b) for b in baskets]
        items = tuple(sorted({item for basket in rows for item in basket}))
        index = {item: i for i, item in enumerate(items)}
        lengths = np.fromiter((len(b) for b in rows), dtype=np.int64, count=len(rows))
        tid = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        col = np.fromiter((index[item] for basket in rows for item in basket), dtype=np.int64,
                          count=int(lengths.sum()))
        return cls.from_pairs(col, tid, items, len(rows))

    @classmethod
    def from_pairs(cls, item_idx: np.ndarray, basket_idx: np.ndarray, items: Sequence[str], n: int) -> "Baskets":
        """Encode (item index, basket index) pairs; ``items`` must be sorted and unique."""
        n_words = max(1, math.ceil(n / 64))
        item_idx = np.asarray(item_idx, dtype=np.int64)
        basket_idx = np.asarray(basket_idx, dtype=np.int64)
        bits = np.zeros((len(items), n_words), dtype=np.uint64)
        # set bit (basket % 64) of word (basket // 64) in the item's row; memory: items x baskets / 8 bytes
        np.bitwise_or.at(bits, (item_idx, basket_idx >> 6),
                         np.left_shift(np.uint64(1), (basket_idx & 63).astype(np.uint64)))
        return cls(tuple(items), np.ascontiguousarray(bits), int(n))

    def counts(self) -> np.ndarray:
        return popcount_rows(self.bits)


def popcount_rows(bits: np.ndarray) -> np.ndarray:
    """Number of set bits of each row of a ``uint64`` matrix."""
    return np.bitwise_count(bits).sum(axis=-1, dtype=np.int64)


# -- frequent itemsets -----------------------------------------------------------------------------
@dataclass
class Itemsets:
    """Frequent itemsets, level by level.

    ``levels[k - 1]`` is an ``int32[m_k, k]`` array of item indices (each row
    sorted ascending, rows in lexicographic order) and ``counts[k - 1]`` the
    number of baskets holding each row.
    """

    items: tuple[str, ...]
    n: int
    min_support: float
    levels: list[np.ndarray] = field(default_factory=list)
    counts: list[np.ndarray] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(level) for level in self.levels)

    def support_of(self, k: int) -> np.ndarray:
        return self.counts[k - 1] / self.n

    def as_records(self) -> list[tuple[frozenset[str], float]]:
        """``(frozenset of item names, support)`` for every itemset."""
        out = []
        for k, (level, cnt) in enumerate(zip(self.levels, self.counts), start=1):
            for row, c in zip(level.tolist(), cnt.tolist()):
                out.append((frozenset(self.items[i] for i in row), c / self.n))
        return out


def check_fraction(name: str, value: float, *, allow_zero: bool = False) -> float:
    """A threshold must lie in (0, 1] (or [0, 1] with ``allow_zero``)."""
    try:
        value = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a number in (0, 1], got {value!r}") from exc
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value <= 1) or math.isnan(value):
        interval = "[0, 1]" if allow_zero else "(0, 1]"
        raise InputError(f"{name} must lie in {interval}, got {value}")
    return value


def frequent_itemsets(baskets: Baskets, min_support: float, *, max_len: int | None = None,
                      chunk: int = 1 << 16) -> Itemsets:
    """All itemsets with ``count / n >= min_support`` (at most ``max_len`` items).

    Args:
        baskets: the encoded baskets.
        min_support: in (0, 1].
        max_len: longest itemset to grow (default: no limit).
        chunk: candidates counted per numpy step (bounds the memory of ``chunk * n_words`` words).
    """
    min_support = check_fraction("min_support", min_support)
    if max_len is not None and max_len < 1:
        raise InputError(f"max_len must be at least 1, got {max_len}")
    result = Itemsets(baskets.items, baskets.n, min_support)
    if baskets.n == 0 or not baskets.items:
        return result
    n = float(baskets.n)
    counts = baskets.counts()
    keep = np.flatnonzero(counts / n >= min_support)
    level = keep.astype(np.int32).reshape(-1, 1)
    level_bits = baskets.bits[keep]
    result.levels.append(level)
    result.counts.append(counts[keep])
    while len(level) > 1 and (max_len is None or level.shape[1] < max_len):
        left, right = _join(level)
        if len(left) == 0:
            break
        cand = np.concatenate([level[left], level[right, -1:]], axis=1)
        ok = _prune(cand, level)
        left, right, cand = left[ok], right[ok], cand[ok]
        new_counts = np.empty(len(cand), dtype=np.int64)
        for start in range(0, len(cand), chunk):
            sl = slice(start, start + chunk)
            new_counts[sl] = popcount_rows(level_bits[left[sl]] & baskets.bits[cand[sl, -1]])
        frequent = new_counts / n >= min_support
        if not frequent.any():
            break
        level = cand[frequent]
        level_bits = level_bits[left[frequent]] & baskets.bits[level[:, -1]]
        result.levels.append(level)
        result.counts.append(new_counts[frequent])
    return result


def _join(level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, ``i < j``, of rows sharing all but their last item.

    Rows are in lexicographic order, so rows with one prefix are contiguous;
    the pairs come out in lexicographic order of the joined itemsets.
    """
    m, k = level.shape
    if k == 1:
        starts = np.array([0]); sizes = np.array([m])
    else:
        prefix = level[:, :-1]
        new_group = np.ones(m, dtype=bool)
        new_group[1:] = (prefix[1:] != prefix[:-1]).any(axis=1)
        starts = np.flatnonzero(new_group)
        sizes = np.diff(np.append(starts, m))
    lefts, rights = [], []
    for start, size in zip(starts.tolist(), sizes.tolist()):
        if size < 2:
            continue
        i, j = np.triu_indices(size, k=1)
        lefts.append(i + start)
        rights.append(j + start)
    if not lefts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(lefts), np.concatenate(rights)


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """One opaque, comparable key per row (for set membership of itemsets)."""
    rows = np.ascontiguousarray(rows, dtype=np.int32)
    return rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()


def _prune(cand: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Mask of candidates whose every ``k``-subset is frequent (apriori property)."""
    k1 = cand.shape[1]
    ok = np.ones(len(cand), dtype=bool)
    if k1 <= 2 or len(cand) == 0:
        return ok
    known = np.sort(_row_keys(level))
    # Dropping the last or the second-to-last item gives the two joined parents: frequent.
    for drop in range(k1 - 2):
        sub = np.delete(cand, drop, axis=1)
        keys = _row_keys(sub)
        pos = np.searchsorted(known, keys)
        pos[pos == len(known)] = 0
        ok &= known[pos] == keys
    return ok


# -- association rules -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """``antecedent => consequent`` with its metrics (item names, sorted)."""

    antecedent: tuple[str, ...]
    consequent: tuple[str, ...]
    antecedent_support: float
    consequent_support: float
    support: float
    confidence: float
    lift: float
    leverage: float
    conviction: float
    count: int

    def as_dict(self) -> dict:
        d = self.__dict__.copy()
        d["antecedent"] = list(self.antecedent)
        d["consequent"] = list(self.consequent)
        # Neo4j and JSON have no infinity: a rule that always holds gets conviction None.
        if math.isinf(self.conviction):
            d["conviction"] = None
        return d


def association_rules(itemsets: Itemsets, min_confidence: float = 0.25, *, min_lift: float | None = None) -> list[Rule]:
    """Every rule ``A => C`` (``A ∪ C`` frequent, both non-empty) with ``confidence >= min_confidence``.

    Rules are sorted by lift, then confidence, descending (ties by item names).
    """
    min_confidence = check_fraction("min_confidence", min_confidence, allow_zero=True)
    if min_lift is not None and (not isinstance(min_lift, (int, float)) or min_lift < 0 or math.isnan(min_lift)):
        raise InputError(f"min_lift must be a non-negative number, got {min_lift!r}")
    n = itemsets.n
    # support of every frequent itemset, by its key, per size
    lookup: list[tuple[np.ndarray, np.ndarray]] = []
    for level, cnt in zip(itemsets.levels, itemsets.counts):
        keys = _row_keys(level)
        order = np.argsort(keys)
        lookup.append((keys[order], (cnt / n)[order]))

    def support(rows: np.ndarray) -> np.ndarray:
        keys_sorted, sup = lookup[rows.shape[1] - 1]
        keys = _row_keys(rows)
        pos = np.searchsorted(keys_sorted, keys)
        if not (keys_sorted[np.minimum(pos, len(keys_sorted) - 1)] == keys).all():  # pragma: no cover
            raise AssertionError("a subset of a frequent itemset is missing (apriori property broken)")
        return sup[pos]

    names = itemsets.items
    rules: list[Rule] = []
    for k in range(2, len(itemsets.levels) + 1):
        level = itemsets.levels[k - 1]
        s_ac = itemsets.counts[k - 1] / n
        for r in range(k - 1, 0, -1):
            for ante_pos in combinations(range(k), r):
                cons_pos = [p for p in range(k) if p not in ante_pos]
                ante = level[:, list(ante_pos)]
                cons = level[:, cons_pos]
                s_a = support(ante)
                s_c = support(cons)
                conf = s_ac / s_a
                keep = conf >= min_confidence
                lift = conf / s_c
                if min_lift is not None:
                    keep &= lift >= min_lift
                if not keep.any():
                    continue
                lev = s_ac - s_a * s_c
                with np.errstate(divide="ignore"):
                    conv = np.where(conf < 1.0, (1.0 - s_c) / np.where(conf < 1.0, 1.0 - conf, 1.0), np.inf)
                cnt = itemsets.counts[k - 1]
                for i in np.flatnonzero(keep).tolist():
                    rules.append(Rule(
                        antecedent=tuple(names[j] for j in ante[i]),
                        consequent=tuple(names[j] for j in cons[i]),
                        antecedent_support=float(s_a[i]), consequent_support=float(s_c[i]),
                        support=float(s_ac[i]), confidence=float(conf[i]), lift=float(lift[i]),
                        leverage=float(lev[i]), conviction=float(conv[i]), count=int(cnt[i]),
                    ))
    rules.sort(key=lambda r: (-r.lift, -r.confidence, r.antecedent, r.consequent))
    return rules
