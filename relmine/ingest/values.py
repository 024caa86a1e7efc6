"""Sanitising and typing of input values: property keys, scalars, prices, category paths, relation types.

Everything here is pure (no I/O) so that the parsers stay small and the rules
are unit-tested in one place.
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from relmine.errors import InputError
from relmine.relations import NAME as RELATION_NAME
from relmine.relations import OBSERVED, WRITTEN

KEY_MAX = 64

# -- limits (docs/ingest.md "Limits"): a row with a value over one goes to the rejects file ------------------
#: Product keys (``Product.sku``, unique index) and order ids (``Order.id``, unique index), in characters.
SKU_MAX = 200
ORDER_ID_MAX = 200
#: Category paths (``Category.path`` unique index, ``Product.category`` index): levels, level length, whole path.
CATEGORY_DEPTH_MAX = 20
CATEGORY_NAME_MAX = 200
CATEGORY_PATH_MAX = 1_000
#: Any other text value stored as a property (titles, descriptions, free columns), in characters.
TEXT_MAX = 100_000
#: Nesting of a JSON value (objects and lists inside one another).
JSON_DEPTH_MAX = 32
#: One order line's quantity, and the sum of repeated lines of one (order, sku).
QTY_MAX = 1_000_000_000
#: Prices: at most this value (a 400-digit price is a broken cell, not a price).
PRICE_MAX = 1e12
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_KEY_BAD = re.compile(r"[^a-z0-9_]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l",
                       "Ł": "L", "đ": "d", "Đ": "D"})

#: Property keys relmine manages itself; an input column of that name is kept as ``attr_<name>``.
RESERVED_KEYS = frozenset({
    "sku", "id", "source", "embedding", "order_count", "partition", "cluster", "attention",
    "category", "count", "weight",
})

#: Relations stored once per unordered pair, from the lower to the higher sku.
SYMMETRIC_TYPES = frozenset({"CO_PURCHASED", "CO_VIEWED", "SUBSTITUTE", "COMPLEMENT"})


def sanitize_key(raw: str) -> str:
    """A column or JSON key as a Neo4j property key: ``"Unit Price (€)"`` -> ``unit_price``.

    Lower snake case of ASCII letters, digits and ``_``; starts with a letter
    (else ``f_`` is prepended); at most 64 characters. Raises
    :class:`InputError` when nothing is left.
    """
    text = unicodedata.normalize("NFKD", str(raw).translate(_FOLD)).encode("ascii", "ignore").decode("ascii")
    text = _CAMEL.sub("_", text.strip()).lower()
    text = _KEY_BAD.sub("_", text).strip("_")
    text = re.sub(r"_+", "_", text)
    if not text:
        raise InputError(f"column name {raw!r} has no usable characters for a property key")
    if not text[0].isalpha():
        text = "f_" + text
    return text[:KEY_MAX].rstrip("_")


def fallback_key(raw: str) -> str:
    """The key of a name with no usable ASCII characters (``"颜色"``): ``key_`` + 8 hex of its sha256."""
    import hashlib

    return "key_" + hashlib.sha256(str(raw).encode("utf-8", "surrogatepass")).hexdigest()[:8]


def property_key_list(columns: list[str], *, reserved: frozenset[str] = RESERVED_KEYS) -> list[str]:
    """Sanitised keys of free columns, in their order and unique (two columns of the same name get two keys):
    clashes get ``_2``, ``_3``…; reserved names ``attr_``; a name with nothing usable (``"颜色"``, ``"€"``)
    gets :func:`fallback_key` instead of failing the file."""
    out: list[str] = []
    used: set[str] = set()
    for col in columns:
        try:
            key = sanitize_key(col)
        except InputError:
            key = fallback_key(col)
        if key in reserved:
            key = f"attr_{key}"
        base, n = key, 2
        while key in used:
            key = f"{base[: KEY_MAX - 4]}_{n}"
            n += 1
        used.add(key)
        out.append(key)
    return out


def property_keys(columns: list[str], *, reserved: frozenset[str] = RESERVED_KEYS) -> dict[str, str]:
    """column name -> key (:func:`property_key_list`; names must be distinct, as JSON keys are)."""
    return dict(zip(columns, property_key_list(columns, reserved=reserved)))


_INT = re.compile(r"^[+-]?(0|[1-9][0-9]{0,17})$")
_FLOAT = re.compile(r"^[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?$")


def infer_scalar(text: str) -> Any:
    """Type a text cell: int, float, bool or the stripped text; empty -> ``None``.

    Integers with leading zeros (``"00123"``) stay text: they are codes, not numbers.
    """
    s = text.strip()
    if s == "":
        return None
    if _INT.match(s):
        return int(s)
    if _FLOAT.match(s) and not (s.lstrip("+-").startswith("0") and s.lstrip("+-")[1:2].isdigit()):
        value = float(s)
        return value if math.isfinite(value) else s
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    return s


def json_depth(value: Any, limit: int = JSON_DEPTH_MAX) -> int:
    """Nesting depth of a JSON value (a scalar: 0), counted without recursion and stopping past ``limit``."""
    depth, level = 0, [value]
    while level and depth <= limit:
        nxt: list[Any] = []
        for v in level:
            if isinstance(v, dict):
                nxt.extend(v.values())
            elif isinstance(v, list):
                nxt.extend(v)
        if not nxt and not any(isinstance(v, dict | list) for v in level):
            break
        depth += 1
        level = nxt
    return depth


def check_json_value(value: Any, name: str) -> None:
    """Raise :class:`ValueError` (naming ``name``) for what Neo4j cannot store faithfully: integers outside
    64 bits, non-finite floats, text over :data:`TEXT_MAX`, nesting deeper than :data:`JSON_DEPTH_MAX`
    (as :func:`json_depth` counts it). One pass, no recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        t = type(v)
        if t is str:
            if len(v) > TEXT_MAX:
                raise ValueError(f"{name}: text of {len(v):,} characters is longer than the limit {TEXT_MAX:,}")
        elif t is int:
            if not INT64_MIN <= v <= INT64_MAX:
                raise ValueError(f"{name}: integer {_short(str(v))} is outside the 64-bit range")
        elif t is float:
            if not math.isfinite(v):
                raise ValueError(f"{name}: number {v} is not finite")
        elif t is list or t is dict:
            if depth >= JSON_DEPTH_MAX:
                raise ValueError(f"{name}: nested deeper than {JSON_DEPTH_MAX} levels")
            for x in (v if t is list else v.values()):
                tx = type(x)
                if tx is str:
                    if len(x) > TEXT_MAX:
                        stack.append((x, depth + 1))
                elif tx is not bool and x is not None:
                    stack.append((x, depth + 1))


def check_text(value: str | None, name: str, limit: int = TEXT_MAX) -> str | None:
    """``value`` unchanged, or :class:`ValueError` when it is longer than ``limit`` characters."""
    if value is not None and len(value) > limit:
        raise ValueError(f"{name} of {len(value):,} characters is longer than the limit {limit:,}")
    return value


def json_property(value: Any, name: str = "value") -> Any:
    """A JSON value as a Neo4j property: scalars as they are, homogeneous scalar lists as lists,
    anything nested as a JSON string; ``None``, ``""`` and empty lists/maps -> ``None``.

    Raises :class:`ValueError` naming ``name`` for values Neo4j cannot hold (:func:`check_json_value`)."""
    check_json_value(value, name)
    if value is None:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        s = value.strip()
        return s or None
    if isinstance(value, list):
        items = [v for v in value if v is not None and v != ""]
        if not items:
            return None
        kinds = {type(v) for v in items}
        if len(kinds) == 1 and kinds <= {str, int, float, bool}:
            return [v.strip() if isinstance(v, str) else v for v in items]
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None
    return str(value)


_PRICE_CUR = r"(?:[A-Z]{3}|[$€£¥])"
#: One price: an optional currency, then 1234.5 or 1,234.50 (comma groups of exactly three digits).
_PRICE_ONE = re.compile(r"^\s*(?:" + _PRICE_CUR + r"\s*)?(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
                        r"\s*(?:" + _PRICE_CUR + r")?\s*$")


def _price_value(raw: Any, text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value > PRICE_MAX:
        raise ValueError(f"price {_short(str(raw))!r} is above the limit {PRICE_MAX:g}")
    return value


def parse_price(raw: Any) -> tuple[float | None, float | None]:
    """``"$1,250.00"`` -> ``(1250.0, None)``; ``"$10.00 - $25.00"`` -> ``(10.0, 25.0)``.

    Returns ``(None, None)`` for an empty value. Raises :class:`ValueError` for
    text that is not a price (HTML, CSS, words, ``"1,2,3"``: commas must group
    thousands) and for prices above :data:`PRICE_MAX` (``"999…9"`` is not Infinity).
    """
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        raise ValueError(f"price {raw!r} is not a number")
    if isinstance(raw, int | float):
        if isinstance(raw, float) and math.isnan(raw) or raw < 0:
            raise ValueError(f"price {raw!r} is not a non-negative number")
        return _price_value(raw, repr(raw) if isinstance(raw, float) else str(raw)), None
    s = str(raw).strip()
    if not s:
        return None, None
    return _parse_price_text(s)


@functools.lru_cache(maxsize=1 << 16)  # exports repeat a few thousand prices over millions of lines
def _parse_price_text(s: str) -> tuple[float | None, float | None]:
    if len(s) > 200:
        raise ValueError(f"price of {len(s):,} characters is not a price")
    parts = [p for p in re.split(r"\s+-\s+|\s*–\s*", s) if p]
    matches = [_PRICE_ONE.match(p) for p in parts]
    if not 1 <= len(parts) <= 2 or not all(matches):
        raise ValueError(f"price {_short(s)!r} is not a price")
    values = [_price_value(s, m.group("num").replace(",", "")) for m in matches]
    if len(values) == 1:
        return values[0], None
    lo, hi = sorted(values)
    return lo, hi


_TAG = re.compile(r"<[^>]*>")
_WS = re.compile(r"\s+")


def strip_html(text: str) -> str:
    """Tags removed, entities decoded, white space collapsed."""
    return _WS.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def looks_like_markup(text: str) -> bool:
    return "<" in text or ">" in text or "{" in text or "}" in text


_UNCLOSED_TAG = re.compile(r"</?[A-Za-z!][^<>]*$")           # '<span class="a-size-medium"' to the end
_CSS_SELECTOR = r"(?:[.#@][^{}<>]*|\b(?:html|body|div|span|p|a|table|tr|td|ul|ol|li|img|h[1-6])\b[^{}<>]*)?"
_CSS_RULE = re.compile(_CSS_SELECTOR + r"\{[^{}]*:[^{}]*\}")    # '.a-color-secondary { color: #555 }'
_CSS_OPEN = re.compile(_CSS_SELECTOR + r"\{[^{}]*:[^{}]*$")      # an unclosed rule to the end
_ATTR = re.compile(r"""\b[a-z][a-z0-9_:-]*\s*=\s*(?:"[^"]*"?|'[^']*'?)""", re.I)
_SCRIPT = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
_READABLE = re.compile(r"[^\W_]{2,}")                         # two letters or digits in a row


def clean_text(text: Any) -> tuple[str | None, str]:
    """A title or description without markup: ``(text or None, what happened)`` (see :func:`_clean_text`)."""
    if isinstance(text, str) and len(text) <= 1_000:
        return _clean_text_cached(text)
    return _clean_text(text)


def _clean_text(text: Any) -> tuple[str | None, str]:
    """A title or description without markup: ``(text or None, what happened)``.

    What happened: ``"kept"`` (no markup), ``"cleaned"`` (markup removed, readable text left) or
    ``"nulled"`` (only markup: HTML fragments such as ``<span class="a-size-medium a-color-secondary"``,
    CSS rules, unclosed tags, attributes; nothing with two letters or digits in a row is left).
    Removed: ``<script>``/``<style>`` blocks, comments, tags (closed or not), CSS rules, attribute
    fragments (``class="…"``); entities are decoded and white space collapsed.
    """
    if text is None:
        return None, "kept"
    raw = str(text)
    if not raw.strip():
        return None, "kept"
    if not looks_like_markup(raw) and "&" not in raw and not _ATTR.search(raw):
        out = _WS.sub(" ", raw).strip()
        return (out or None), "kept"
    s = _COMMENT.sub(" ", raw)
    s = _SCRIPT.sub(" ", s)
    s = _TAG.sub(" ", s)
    s = _UNCLOSED_TAG.sub(" ", s)
    s = _CSS_RULE.sub(" ", s)
    s = _CSS_OPEN.sub(" ", s)
    s = html.unescape(s)
    s = _TAG.sub(" ", s)          # tags that were written as entities
    s = _UNCLOSED_TAG.sub(" ", s)
    s = _ATTR.sub(" ", s)
    s = s.replace("<", " ").replace(">", " ")
    s = _WS.sub(" ", s).strip(" \t\"'/;:,.-")
    if not _READABLE.search(s):
        return None, "nulled"
    return s, ("kept" if s == _WS.sub(" ", raw).strip() else "cleaned")


_clean_text_cached = functools.lru_cache(maxsize=1 << 16)(_clean_text)  # order lines repeat their titles


CATEGORY_LEVEL_MAX = 80


def clean_category_levels(levels: list[Any], *, cut_junk: bool = True) -> list[str]:
    """The trustworthy prefix of a category list.

    Levels are stripped and HTML entities decoded; empty levels dropped;
    consecutive duplicates collapsed (``["Gift Cards", "Gift Cards"]`` ->
    ``["Gift Cards"]``). With ``cut_junk`` (scraped metadata) the path also
    stops at the first level that is not a category name: HTML or CSS
    fragments, sentences (ending in ``.``/``!``/``?``), prices, or text longer
    than 80 characters — in real metadata such levels are bullet points that
    leaked into the list, and what follows them is no longer a hierarchy.
    A catalogue's own paths are trusted (``cut_junk=False``).
    """
    out: list[str] = []
    for level in levels:
        if not isinstance(level, str):
            break
        s = _WS.sub(" ", html.unescape(level)).strip()
        if not s:
            continue
        if cut_junk and (looks_like_markup(s) or len(s) > CATEGORY_LEVEL_MAX or s[-1] in ".!?" or "$" in s):
            break
        if out and out[-1] == s:
            continue
        out.append(s)
    return out


PATH_SEP = " > "


def split_category(text: str, sep: str) -> list[str]:
    """``"Electronics > Camera > Lenses"`` -> levels (then cleaned)."""
    if not text or not text.strip():
        return []
    return clean_category_levels(text.split(sep) if sep else [text], cut_junk=False)


def category_path(levels: list[str]) -> str:
    """The canonical path key of a category: levels joined by ``" > "``.

    Raises :class:`ValueError` over the limits of the indexed path: more than
    :data:`CATEGORY_DEPTH_MAX` levels, a level longer than :data:`CATEGORY_NAME_MAX`
    or a path longer than :data:`CATEGORY_PATH_MAX` characters.
    """
    if len(levels) > CATEGORY_DEPTH_MAX:
        raise ValueError(f"category has {len(levels):,} levels, more than the limit {CATEGORY_DEPTH_MAX}")
    for level in levels:
        if len(level) > CATEGORY_NAME_MAX:
            raise ValueError(f"category level {_short(level)!r} of {len(level):,} characters is longer than "
                             f"the limit {CATEGORY_NAME_MAX}")
    path = PATH_SEP.join(levels)
    if len(path) > CATEGORY_PATH_MAX:
        raise ValueError(f"category path of {len(path):,} characters is longer than the limit {CATEGORY_PATH_MAX:,}")
    return path


def category_rows(paths: set[str] | list[str]) -> list[dict[str, Any]]:
    """Every category of the given leaf paths with its ancestors, parents first."""
    seen: dict[str, dict[str, Any]] = {}
    for path in paths:
        levels = path.split(PATH_SEP)
        for depth in range(1, len(levels) + 1):
            p = PATH_SEP.join(levels[:depth])
            if p not in seen:
                seen[p] = {"path": p, "name": levels[depth - 1], "depth": depth,
                           "parent": PATH_SEP.join(levels[: depth - 1]) or None}
    return sorted(seen.values(), key=lambda r: (r["depth"], r["path"]))


NAME_RULE = "letters, digits, _; starting with a letter; at most 64"
RESERVED = "is reserved for relmine's own relationships"


def _type_name(raw: Any) -> tuple[str, str | None]:
    """A relation type name normalised (upper case, ``-`` and spaces to ``_``), and what is wrong
    with it for input: ``"invalid"``, ``"reserved"`` (relmine writes it itself) or None."""
    name = str(raw).strip().upper().replace("-", "_").replace(" ", "_")
    if not RELATION_NAME.match(name):
        return name, "invalid"
    return name, "reserved" if name in WRITTEN else None


def relation_type(raw: str, allowed: frozenset[str]) -> str:
    """Validate a relation type against the whitelist (plus ``allowed`` extras).

    Names are upper-cased, ``-`` and spaces become ``_``; the result must match
    ``^[A-Z][A-Z0-9_]{0,63}$`` and be known. Types relmine writes itself
    (``CONTAINS``, ``IN_CATEGORY``…) are refused.
    """
    name, problem = _type_name(raw)
    if problem == "invalid":
        raise ValueError(f"relation type {_short(str(raw))!r} is not a valid name ({NAME_RULE})")
    if problem == "reserved":
        raise ValueError(f"relation type {name} {RESERVED}")
    if name not in OBSERVED and name not in allowed:
        raise ValueError(f"unknown relation type {name}; known: {', '.join(OBSERVED)} "
                         "(allow more with --allow-type)")
    return name


def extra_types(names: tuple[str, ...] | list[str]) -> frozenset[str]:
    """Validate ``--allow-type`` names (strict pattern, not reserved)."""
    out = set()
    for raw in names:
        name, problem = _type_name(raw)
        if problem == "invalid":
            raise InputError(f"--allow-type {raw!r} is not a valid relationship type name ({NAME_RULE})")
        if problem == "reserved":
            raise InputError(f"--allow-type {name} {RESERVED}")
        out.add(name)
    return frozenset(out)


def parse_quantity(raw: Any) -> int:
    """A positive integer quantity (``"3"``, ``3``, ``"3.0"``); raises :class:`ValueError`."""
    if isinstance(raw, bool):
        raise ValueError(f"quantity {raw!r} is not a number")
    if isinstance(raw, int):
        q = raw
    else:
        s = str(raw).strip()
        if s == "":
            raise ValueError("quantity is empty")
        try:
            f = float(s)
        except ValueError as exc:
            raise ValueError(f"quantity {_short(s)!r} is not a number") from exc
        if not math.isfinite(f):
            raise ValueError(f"quantity {_short(s)!r} is not a finite number")
        if abs(f) > QTY_MAX:
            raise ValueError(f"quantity {_short(s)!r} is above the limit {QTY_MAX:,}")
        if f != int(f):
            raise ValueError(f"quantity {_short(s)!r} is not a whole number")
        q = int(f)
    if q <= 0:
        raise ValueError(f"quantity {q} is not positive")
    if q > QTY_MAX:
        raise ValueError(f"quantity {_short(str(q))} is above the limit {QTY_MAX:,}")
    return q


def add_quantity(total: int, qty: int, what: str = "summed quantity") -> int:
    """``total + qty``, or :class:`ValueError` when the sum of repeated lines passes :data:`QTY_MAX`."""
    out = total + qty
    if out > QTY_MAX:
        raise ValueError(f"{what} {out:,} is above the limit {QTY_MAX:,}")
    return out


def clean_order_id(raw: Any) -> str:
    """An order id: text, stripped; :class:`ValueError` when empty, over :data:`ORDER_ID_MAX` or with
    control characters (it is a unique-indexed key)."""
    if raw is None or not str(raw).strip():
        raise ValueError("order id is empty")
    s = str(raw).strip()
    if len(s) > ORDER_ID_MAX:
        raise ValueError(f"order id {_short(s)!r} of {len(s):,} characters is longer than the limit {ORDER_ID_MAX}")
    if _CONTROL.search(s):
        raise ValueError(f"order id {_short(s)!r} holds control characters")
    return s


#: Layouts read without ``--date-format``: ISO 8601 (``2010-12-01 08:26[:00]``, ``T``, zone or ``Z``, a bare
#: date), day-first with dots (``01.12.2010 08:26``), which no region writes month-first, and year-first
#: with slashes (``2010/12/01``).
_DT_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")
_SLASHED = re.compile(r"^\d{1,4}[/-]\d{1,2}[/-]\d{1,4}\b")
# Unix time: seconds (9-10 digits: 1973-2286) or milliseconds (12-13 digits), an optional fraction; never
# 8 digits, which could be a yyyymmdd date
_EPOCH = re.compile(r"^(\d{9,10}|\d{12,13})(\.\d+)?$")
_DATE_HINT = "--date-format (e.g. --date-format '%m/%d/%Y %H:%M' or '%d/%m/%Y %H:%M')"


class AmbiguousDate(InputError):
    """A date such as ``01/02/2010``: month-first or day-first cannot be told without ``--date-format``."""


def _as_local(value: datetime | date) -> datetime:
    """``o.time`` is always a LOCAL DATETIME: a date is midnight, a time with an offset is converted to UTC."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        from datetime import timezone

        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def parse_time(raw: Any, date_format: str | None = None) -> datetime | None:
    """An order time (see :func:`_parse_time`); the lines of one order repeat it, so results are cached."""
    if raw is None:
        return None
    return _parse_time(str(raw), date_format)


@functools.lru_cache(maxsize=1 << 14)
def _parse_time(raw: str, date_format: str | None = None) -> datetime | None:
    """An order time as a naive :class:`datetime` (stored as a Neo4j LOCAL DATETIME; see :func:`_as_local`).

    With ``date_format`` (a :func:`~datetime.datetime.strptime` layout) every value must match it. Without:
    ISO 8601, day-first dotted dates and Unix time (seconds or milliseconds, as UTC); a slashed date (``12/01/2010``) raises :class:`AmbiguousDate`,
    which refuses the file with a message naming ``--date-format``. Raises :class:`ValueError` for a value
    that is not a time.
    """
    if raw is None:
        return None
    s = str(raw).strip()
    if not s:
        return None
    if len(s) > 64:
        raise ValueError(f"time {_short(s)!r} is not a date/time")
    if date_format:
        try:
            return _as_local(datetime.strptime(s, date_format))
        except ValueError:
            raise ValueError(f"time {_short(s)!r} does not match --date-format {date_format!r}") from None
    try:
        if len(s) == 10 and s[4] == "-":
            return _as_local(date.fromisoformat(s))
        if len(s) >= 10 and s[4] == "-" and s[7] == "-":
            return _as_local(datetime.fromisoformat(s.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"time {_short(s)!r} is not a valid ISO 8601 date/time") from None
    epoch = _EPOCH.match(s)
    if epoch:  # Unix time (seconds or milliseconds since 1970-01-01 UTC), stored as UTC
        from datetime import timezone

        seconds = float(s) / (1000.0 if len(epoch.group(1)) > 10 else 1.0)
        return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
    for fmt in _DT_FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    if _SLASHED.match(s):
        raise AmbiguousDate(f"time {_short(s)!r}: month-first or day-first cannot be told; pass {_DATE_HINT}")
    raise ValueError(f"time {_short(s)!r} is not a date/time (ISO 8601 expected, or pass --date-format)")


def check_date_format(fmt: str | None) -> str | None:
    """Validate ``--date-format``: a strptime layout with at least a year, a month and a day."""
    if fmt is None:
        return None
    if not all(d in fmt for d in ("%Y", "%d")) or not ("%m" in fmt or "%b" in fmt or "%B" in fmt):
        raise InputError(f"--date-format {fmt!r} needs %Y, %m (or %b) and %d, e.g. '%d/%m/%Y %H:%M'")
    return fmt


def parse_weight(raw: Any) -> float:
    """A finite relation weight; empty -> 1.0."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return 1.0
    try:
        w = float(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"weight {_short(str(raw))!r} is not a number") from exc
    if not math.isfinite(w):
        raise ValueError(f"weight {raw!r} is not finite")
    return w


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_sku(raw: Any) -> str:
    """A product key: text, stripped; raises :class:`ValueError` when empty or absurd."""
    if raw is None:
        raise ValueError("sku is empty")
    if isinstance(raw, bool | dict | list):
        raise ValueError(f"sku {raw!r} is not a value")
    s = str(raw).strip()
    if not s:
        raise ValueError("sku is empty")
    if len(s) > SKU_MAX:
        raise ValueError(f"sku {_short(s)!r} of {len(s):,} characters is longer than the limit {SKU_MAX}")
    if _CONTROL.search(s):
        raise ValueError(f"sku {_short(s)!r} holds control characters")
    return s


def _short(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


VECTOR_MAX = 10_000  # numbers in a feature vector (p.features)


def parse_vector(value: Any, name: str = "features") -> list[float] | None:
    """A feature vector: a list of numbers, or text holding one (``[0.1, 2]``, ``0.1 2``, ``0.1;2``).

    Raises :class:`ValueError` naming the field for anything else, a non-finite number, or more
    than :data:`VECTOR_MAX` values; an empty value is None.
    """
    if isinstance(value, str):
        text = value.strip().strip("[]").strip()
        if not text:
            return None
        parts = [p for p in re.split(r"[\s,;]+", text) if p]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise ValueError(f"{name} {str(value)[:40]!r} is not a list of numbers")
    if len(parts) > VECTOR_MAX:
        raise ValueError(f"{name} has {len(parts):,} values, more than {VECTOR_MAX:,}")
    out = []
    for i, part in enumerate(parts):
        try:
            number = float(part)
        except (TypeError, ValueError):
            raise ValueError(f"{name}[{i}] {str(part)[:40]!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"{name}[{i}] is {number}, not a finite number")
        out.append(number)
    return out or None
