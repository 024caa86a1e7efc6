"""Which input column holds which field: aliases, ``--col field=column`` and mapping files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from relmine.errors import InputError

#: field -> accepted column names (compared case-insensitively, ignoring spaces, ``_`` and ``-``).
CATALOG_FIELDS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "id", "product_id", "productid", "product", "item_id", "itemid", "asin", "stock_code",
            "stockcode", "article"),
    "title": ("title", "name", "product_name", "description", "product_title"),
    "category": ("category", "category_path", "categories", "product_category"),
    "brand": ("brand", "manufacturer", "maker"),
    "price": ("price", "unit_price", "unitprice", "list_price"),
    "features": ("features", "feature_vector", "feature_vec"),
}
ORDER_FIELDS: dict[str, tuple[str, ...]] = {
    "order": ("order", "order_id", "orderid", "order_no", "invoice", "invoice_no", "invoiceno", "invoice_id",
              "basket", "basket_id", "transaction", "transaction_id", "receipt"),
    "sku": ("sku", "product", "product_id", "productid", "item", "item_id", "itemid", "stock_code", "stockcode",
            "asin", "article"),
    "qty": ("qty", "quantity", "amount", "units", "count"),
    "time": ("time", "date", "datetime", "timestamp", "order_date", "invoice_date", "invoicedate", "ordered_at",
             "created_at", "transaction_timestamp", "transaction_time", "order_timestamp", "order_time",
             "event_time"),
    "customer": ("customer", "customer_id", "customerid", "client", "client_id", "user", "user_id"),
    "price": ("price", "unit_price", "unitprice"),
    "title": ("title", "description", "product_name", "name", "item_name"),
    "kind": ("kind", "status", "order_kind", "order_status", "order_type", "transaction_type"),
}
EDGE_FIELDS: dict[str, tuple[str, ...]] = {
    "src": ("src", "source", "from", "from_sku", "src_sku", "head", "start", "sku_a", "a"),
    "dst": ("dst", "target", "to", "to_sku", "dst_sku", "tail", "end", "sku_b", "b"),
    "type": ("type", "rel", "relation", "relationship", "kind", "rel_type"),
    "weight": ("weight", "w", "score", "strength"),
    "time": ("time", "date", "datetime", "timestamp", "first_seen", "seen_at", "created_at"),
}

REQUIRED = {"catalog": ("sku",), "orders": ("order", "sku"), "edges": ("src", "dst")}


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def same_name_key(name: str) -> str:
    """How column names are compared with the field aliases: case, spaces, ``_`` and ``-`` ignored."""
    return _norm(name)


def show_header(header: list[str], first: int = 5) -> str:
    """A header for a message: a few of its names (each cut to 40 characters) and how many columns there
    are in all (a 10,000-column file once gave an 89,011-character error listing every one)."""
    names = [repr(h if len(h) <= 40 else h[:39] + "…") for h in header]
    if len(names) <= first + 1:
        return f"the header has {len(names)} column{'s' if len(names) != 1 else ''}: {', '.join(names)}"
    return f"the header has {len(names):,} columns: {', '.join(names[:first])}, … {names[-1]}"


def match_columns(header: list[str], fields: dict[str, tuple[str, ...]],
                  explicit: dict[str, str] | None = None) -> dict[str, int]:
    """field -> column index. ``explicit`` (field -> column name) wins over the aliases."""
    by_norm: dict[str, int] = {}
    for i, col in enumerate(header):
        by_norm.setdefault(_norm(col), i)
    out: dict[str, int] = {}
    for field, col in (explicit or {}).items():
        if field not in fields:
            raise InputError(f"unknown field {field!r} in the column mapping; fields: {', '.join(fields)}")
        idx = by_norm.get(_norm(col))
        if idx is None:
            raise InputError(f"mapped column {col!r} (for {field}) is not in the header; {show_header(header)}")
        out[field] = idx
    taken = set(out.values())
    for field, aliases in fields.items():
        if field in out:
            continue
        for alias in aliases:
            idx = by_norm.get(_norm(alias))
            if idx is not None and idx not in taken:
                out[field] = idx
                taken.add(idx)
                break
    return out


def require(mapping: dict[str, int], kind: str, header: list[str], path: Path) -> None:
    missing = [f for f in REQUIRED.get(kind, ()) if f not in mapping]
    if missing:
        raise InputError(f"{path}: missing column(s) for {', '.join(missing)}; {show_header(header)}. "
                         "Map them with --col FIELD=COLUMN or --mapping FILE")


def parse_col_options(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``("order=InvoiceNo", "sku=StockCode")`` -> ``{"order": "InvoiceNo", ...}``."""
    out: dict[str, str] = {}
    for pair in pairs:
        field, sep, col = pair.partition("=")
        if not sep or not field.strip() or not col.strip():
            raise InputError(f"--col {pair!r}: expected FIELD=COLUMN, e.g. --col order=InvoiceNo")
        out[field.strip().lower()] = col.strip()
    return out


def load_mapping_file(path: Path) -> dict[str, str]:
    """A JSON or YAML object ``{field: column}`` (or ``{"columns": {...}}``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the mapping file {path}: {exc.strerror}") from exc
    try:
        if path.suffix.lower() in (".yml", ".yaml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:  # json or yaml syntax
        raise InputError(f"mapping file {path} is not valid {path.suffix.lstrip('.') or 'JSON'}: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise InputError(f"mapping file {path} must hold an object of field: column names")
    return {k.strip().lower(): v for k, v in data.items()}
