"""A raw order export split by date, its columns read as ``relmine ingest orders`` reads them.

Shared by ``bench/filter.py`` and ``bench/future.py``: the columns are found through relmine's own aliases
(:data:`relmine.ingest.columns.ORDER_FIELDS`: ``InvoiceNo``, ``order_id``, ``basket_id`` ... for the order,
``StockCode``, ``product_id`` ... for the sku, ``InvoiceDate``, ``timestamp`` ... for the time), times are
parsed by :func:`relmine.ingest.values.parse_time`, order ids and skus cleaned as the ingest cleans them,
and the later orders' cancellations and returns recognised by the ingest's default rules
(:mod:`relmine.ingest.returns`), so that another retailer's export works unchanged.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np

from relmine.errors import InputError
from relmine.ingest import values as V
from relmine.ingest.columns import ORDER_FIELDS, match_columns, require
from relmine.ingest.returns import CANCEL_PATTERN, RETURN_KINDS, compile_pattern


def _open(path: Path, mode: str):
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", newline="", encoding="utf-8", errors="replace")
    return open(path, mode, newline="", encoding="utf-8", errors="replace")


def _delimiter(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if not name.endswith((".csv", ".tsv", ".txt")):
        raise SystemExit(f"{path}: split by date reads CSV or TSV text (optionally gzipped)")
    return "\t" if name.endswith(".tsv") else ","


def order_columns(header: list[str], path: Path) -> dict[str, int]:
    """field -> column index, by relmine's order aliases; refuses a file without order and sku columns."""
    mapping = match_columns(header, ORDER_FIELDS)
    try:
        require(mapping, "orders", header, path)
    except InputError as exc:
        raise SystemExit(str(exc)) from None
    return mapping


def split_by_date(src: Path, cutoff: str, out: Path) -> tuple[Path, Path, int, int]:
    """The export's rows with a time before ``cutoff`` and from it on, each file with the header, rows
    untouched. Rows whose time is empty or not a time (as the ingest parses it) go to the early file, where
    ``relmine ingest`` rejects or reads them as it would in the whole export. Refuses a file with no time
    column among the aliases, or whose times no row parses."""
    when = V.parse_time(cutoff)
    delimiter = _delimiter(src)
    suffix = ".tsv.gz" if delimiter == "\t" else ".csv.gz"
    early, late = out / f"orders_before{suffix}", out / f"orders_after{suffix}"
    n_early = n_late = 0
    with _open(src, "r") as f, gzip.open(early, "wt", newline="", encoding="utf-8") as fe, \
            gzip.open(late, "wt", newline="", encoding="utf-8") as fl:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader)
        mapping = order_columns(header, src)
        if "time" not in mapping:
            raise SystemExit(f"{src}: no time column among relmine's aliases ({', '.join(ORDER_FIELDS['time'])}); "
                             "relmine ingest would store these orders without a time")
        at = mapping["time"]
        we, wl = csv.writer(fe, delimiter=delimiter), csv.writer(fl, delimiter=delimiter)
        we.writerow(header)
        wl.writerow(header)
        for row in reader:
            try:
                t = V.parse_time(row[at] if at < len(row) else None)
            except V.AmbiguousDate as exc:
                raise SystemExit(f"{src}: {exc}") from None
            except ValueError:
                t = None
            if t is not None and t >= when:
                wl.writerow(row)
                n_late += 1
            else:
                we.writerow(row)
                n_early += 1
    if n_late == 0 and n_early and not _any_time(early, at, delimiter):
        raise SystemExit(f"{src}: no row's {header[at]!r} reads as a time (relmine ingest reads ISO 8601 dates)")
    return early, late, n_early, n_late


def _any_time(path: Path, at: int, delimiter: str) -> bool:
    with _open(path, "r") as f:
        reader = csv.reader(f, delimiter=delimiter)
        next(reader)
        for row in reader:
            try:
                if V.parse_time(row[at] if at < len(row) else None) is not None:
                    return True
            except ValueError:
                continue
    return False


def sale_baskets(path: Path, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(basket number, product index) of every sale line of products in ``index``: cancellations (order id
    matching the ingest's cancel pattern), negative quantities and return kinds are left out, as
    ``relmine ingest orders`` leaves them out of ``CO_PURCHASED``."""
    cancel, returned = compile_pattern("--cancel-pattern", CANCEL_PATTERN), compile_pattern("--return-kinds",
                                                                                            RETURN_KINDS)
    delimiter = _delimiter(path)
    orders: dict[str, int] = {}
    baskets, products = [], []
    with _open(path, "r") as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader)
        m = order_columns(header, path)

        def cell(row, field):
            i = m.get(field)
            return row[i] if i is not None and i < len(row) else None

        for row in reader:
            try:
                order, sku = V.clean_order_id(cell(row, "order")), V.clean_sku(cell(row, "sku"))
                qty = float(cell(row, "qty")) if "qty" in m else 1.0
            except (ValueError, TypeError):
                continue
            kind = cell(row, "kind")
            if qty <= 0 or cancel.search(order) or (kind and returned.search(kind)) or sku not in index:
                continue
            baskets.append(orders.setdefault(order, len(orders)))
            products.append(index[sku])
    return np.asarray(baskets, dtype=np.int64), np.asarray(products, dtype=np.int64)


def late_pairs(path: Path, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Unordered pairs (``lo * n + hi`` keys, sorted) of products in ``index`` bought together in the sale
    baskets of ``path``, with their counts (baskets holding both)."""
    import scipy.sparse as sp

    from relmine.learn.future import cocounts

    basket, product = sale_baskets(path, index)
    n = len(index)
    c = sp.triu(cocounts(basket, product, n), k=1).tocoo()
    keys = c.row.astype(np.int64) * n + c.col
    order = np.argsort(keys)
    return keys[order], c.data[order].astype(np.int64)


__all__ = ["split_by_date", "sale_baskets", "late_pairs", "order_columns"]
