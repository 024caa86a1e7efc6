"""The product relation graph as arrays: one read of the edge list from Neo4j.

WL hashing and the fast triangle count work on the whole graph in Python
(numpy / scipy); they pull it in columnar pages of products by element id
(``extract/structure_edge_page``, ``extract/adjacency_page``: one record per
page, neighbours as element ids) instead of one query per neighbourhood.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import scipy.sparse as sp

from relmine.gateway import Gateway
from relmine.motifs.pattern import check_type
from relmine.progress import Progress
from relmine.relations import OBSERVED


@dataclass(frozen=True)
class EdgeList:
    """Products ``0..n-1`` (``skus``, ``categories``) and relationships ``src -> dst`` of type ``type_names[etype]``."""

    skus: list[str]
    categories: list[str]
    src: np.ndarray
    dst: np.ndarray
    etype: np.ndarray
    type_names: tuple[str, ...]
    #: stored values of product properties asked for when read (name -> one value per product)
    stored: dict[str, list] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.skus)

    def simple_undirected(self) -> sp.csr_matrix:
        """Symmetric 0/1 adjacency without loops or parallel edges (int64, CSR)."""
        keep = self.src != self.dst
        a = sp.coo_matrix((np.ones(int(keep.sum()), dtype=np.int64), (self.src[keep], self.dst[keep])),
                          shape=(self.n, self.n)).tocsr()
        a = a + a.T
        a.data[:] = 1
        a.eliminate_zeros()
        a.sort_indices()
        return a


def edge_list_from_arrays(skus: list[str], categories: list[str | None], edges: list[tuple[int, int, str]],
                          type_names: tuple[str, ...] | None = None) -> EdgeList:
    names = type_names or tuple(sorted({t for _, _, t in edges}))
    code = {t: i for i, t in enumerate(names)}
    arr = np.array([(a, b, code[t]) for a, b, t in edges], dtype=np.int64).reshape(-1, 3)
    return EdgeList(list(skus), [c or "" for c in categories], arr[:, 0].copy(), arr[:, 1].copy(),
                    arr[:, 2].copy(), names)


def load_edge_list(gw: Gateway, types: tuple[str, ...] | list[str] = OBSERVED, *,
                   timeout: float = 600.0, progress: bool = True, page: int = 20_000,
                   workers: int = 2, stored: tuple[str, ...] | list[str] = ()) -> EdgeList:
    """Every product with a sku and its relations of ``types`` (validated against the whitelist).

    Read in pages of ``page`` products by element id on ``workers`` sessions
    at once, each page one record of columns: skus, categories, the stored
    values of the product properties ``stored`` (names the caller vouches
    for), and per product its relations' neighbour ids and type codes.
    Each page becomes arrays as it arrives (neighbours as positions among
    the ids asked for), so memory holds the arrays, the ids and one page of
    lists per worker, not a list per relation. Products come in
    the order of the label scan; relations to nodes that are not products with a sku
    (or no longer exist) are left out.
    """
    from concurrent.futures import ThreadPoolExecutor

    names = tuple(sorted({check_type(t) for t in types}))
    params = {"types": list(names), "code": {t: i for i, t in enumerate(names)}, "keys": list(stored)}
    all_ids = gw.read_one("extract/product_ids", timeout=timeout, raw=True)["ids"]
    index = {e: i for i, e in enumerate(all_ids)}
    pages = [all_ids[i:i + page] for i in range(0, len(all_ids), page)]
    n_all = len(all_ids)
    del all_ids

    def read(ids: list[str]) -> tuple:
        row = gw.read_one("extract/structure_edge_page", {**params, "ids": ids}, timeout=timeout, raw=True)
        out = row["out"]
        counts = np.fromiter(map(len, out), dtype=np.int64, count=len(out))
        n_rel = int(counts.sum())
        codes = np.fromiter(chain.from_iterable(row["codes"]), dtype=np.int64, count=n_rel)
        targets = np.fromiter((index.get(e, -1) for e in chain.from_iterable(out)), dtype=np.int64, count=n_rel)
        local = np.repeat(np.arange(len(out), dtype=np.int64), counts)
        read_at = np.fromiter(map(index.__getitem__, row["ids"]), dtype=np.int64, count=len(row["ids"]))
        return read_at, row["skus"], row["categories"], row["stored"], local, targets, codes

    read_at, skus, cats, values, src, dst, et = [], [], [], [], [], [], []
    with Progress("read edge list", total=sum(map(len, pages)), unit="products", enabled=progress) as bar, \
            ThreadPoolExecutor(max(1, workers)) as pool:
        for n_asked, (at, s, c, v, local, targets, codes) in zip(map(len, pages), pool.map(read, pages)):
            src.append(local + len(skus))
            read_at.append(at)
            skus += s
            cats += c
            values += v
            dst.append(targets)
            et.append(codes)
            bar.update(n_asked)
    empty = np.empty(0, dtype=np.int64)
    src_a, et_a = (np.concatenate(x) if x else empty for x in (src, et))
    dst_a, found = _positions(n_all, np.concatenate(read_at) if read_at else empty,
                              np.concatenate(dst) if dst else empty)
    kept = {key: [v[j] for v in values] for j, key in enumerate(stored)}
    return EdgeList(skus, cats, src_a[found], dst_a[found], et_a[found], names, kept)


def _positions(n_all: int, read_at: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Targets (positions among the ``n_all`` ids asked for, -1 for none of them) as positions among the
    products read (at ``read_at``), and whether each is one: products deleted meanwhile, or without a sku,
    were not read."""
    compact = np.full(n_all + 1, -1, dtype=np.int64)  # the last one stands for -1
    compact[read_at] = np.arange(len(read_at), dtype=np.int64)
    pos = compact[targets]
    return pos, pos >= 0


def load_adjacency(gw: Gateway, types: tuple[str, ...] | list[str] = OBSERVED, *, timeout: float = 600.0,
                   page: int = 20_000, workers: int = 2) -> tuple[int, np.ndarray, np.ndarray]:
    """Products ``0..n-1`` and relations ``src -> dst`` of ``types``, by element id: structure only.

    Ids instead of sku strings (no node read per relation), read raw (no
    per-value conversion), in pages by id on ``workers`` sessions at once
    (with integer internal ids, on amazon0302's 1.2M relations: about 1.2 s
    against 12.4 s for the sku read). Ids are only used within the read: products deleted meanwhile are skipped, relations to
    nodes that are not (or no longer) products are left out.
    """
    from concurrent.futures import ThreadPoolExecutor

    names = sorted({check_type(t) for t in types})
    all_ids = gw.read_one("extract/product_ids", timeout=timeout, raw=True)["ids"]
    index = {e: i for i, e in enumerate(all_ids)}
    pages = [all_ids[k:k + page] for k in range(0, len(all_ids), page)]

    def read(ids: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        row = gw.read_one("extract/adjacency_page", {"ids": ids, "types": names}, timeout=timeout, raw=True)
        out = row["out"]
        counts = np.fromiter(map(len, out), dtype=np.int64, count=len(out))
        targets = np.fromiter((index.get(e, -1) for e in chain.from_iterable(out)), dtype=np.int64,
                              count=int(counts.sum()))
        read_at = np.fromiter(map(index.__getitem__, row["ids"]), dtype=np.int64, count=len(row["ids"]))
        return read_at, counts, targets

    with ThreadPoolExecutor(max(1, workers)) as pool:
        rows = list(pool.map(read, pages))
    if not rows:
        return 0, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    read_at = np.concatenate([r[0] for r in rows])
    counts = np.concatenate([r[1] for r in rows])
    src = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    dst, found = _positions(len(all_ids), read_at, np.concatenate([r[2] for r in rows]))
    return len(read_at), src[found], dst[found]
