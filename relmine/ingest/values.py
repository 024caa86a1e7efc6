"""Sanitising and typing of input values: property keys, scalars, prices, category paths, relation types.

Everything here is pure (no I/O) so that the parsers stay small and the rules
are unit-tested in one place.
"""

from __future__ import annotations

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


def property_keys(columns: list[str], *, reserved: frozenset[str] = RESERVED_KEYS) -> dict[str, str]:
    """Sanitised keys of free columns, unique: clashes get ``_2``, ``_3``…; reserved names ``attr_``."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        key = sanitize_key(col)
        if key in reserved:
            key = f"attr_{key}"
        base, n = key, 2
        while key in used:
            key = f"{base[: KEY_MAX - 4]}_{n}"
            n += 1
        used.add(key)
        out[col] = key
    return out


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


def json_property(value: Any) -> Any:
    """A JSON value as a Neo4j property: scalars as they are, homogeneous scalar lists as lists,
    anything nested as a JSON string; ``None``, ``""`` and empty lists/maps -> ``None``."""
    if value is None:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
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


_PRICE_NUM = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+")
_PRICE_OK = re.compile(r"^\s*(?:[A-Z]{3}\s*|[$€£¥]\s*)?[0-9.,]+\s*(?:[A-Z]{3}|[$€£¥])?\s*$")


def parse_price(raw: Any) -> tuple[float | None, float | None]:
    """``"$1,250.00"`` -> ``(1250.0, None)``; ``"$10.00 - $25.00"`` -> ``(10.0, 25.0)``.

    Returns ``(None, None)`` for an empty value. Raises :class:`ValueError` for
    text that is not a price (HTML, CSS, words).
    """
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        raise ValueError(f"price {raw!r} is not a number")
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or raw < 0:
            raise ValueError(f"price {raw!r} is not a non-negative number")
        return float(raw), None
    s = str(raw).strip()
    if not s:
        return None, None
    parts = [p for p in re.split(r"\s+-\s+|\s*–\s*", s) if p]
    if not 1 <= len(parts) <= 2 or not all(_PRICE_OK.match(p) for p in parts):
        raise ValueError(f"price {_short(s)!r} is not a price")
    values = []
    for p in parts:
        m = _PRICE_NUM.search(p)
        if m is None:
            raise ValueError(f"price {_short(s)!r} is not a price")
        values.append(float(m.group(0).replace(",", "")))
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
    """The canonical path key of a category: levels joined by ``" > "``."""
    return PATH_SEP.join(levels)


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
        if not math.isfinite(f) or f != int(f):
            raise ValueError(f"quantity {_short(s)!r} is not a whole number")
        q = int(f)
    if q <= 0:
        raise ValueError(f"quantity {q} is not positive")
    return q


_DT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
               "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M")


def parse_time(raw: Any) -> datetime | date | None:
    """An order time: ISO 8601 (with or without zone), a date, or a few common layouts."""
    if raw is None:
        return None
    s = str(raw).strip()
    if not s:
        return None
    try:
        if len(s) == 10 and s[4] == "-":
            return date.fromisoformat(s)
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _DT_FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    raise ValueError(f"time {_short(s)!r} is not a date/time (ISO 8601 expected)")


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
    if len(s) > 200:
        raise ValueError(f"sku {_short(s)!r} is longer than 200 characters")
    if _CONTROL.search(s):
        raise ValueError(f"sku {_short(s)!r} holds control characters")
    return s


def _short(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"
