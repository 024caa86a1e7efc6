"""One reader per kind of input: each consumes the whole file, validates every row and returns a
:class:`Parsed` (rejected rows go to the :class:`RejectLog`). Nothing here talks to Neo4j."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from relmine.errors import InputError
from relmine.progress import Progress
from relmine.ingest import amazon2014, values as V
from relmine.ingest.columns import CATALOG_FIELDS, EDGE_FIELDS, ORDER_FIELDS, match_columns, require, same_name_key
from relmine.ingest.options import IngestOptions
from relmine.ingest.parsed import EdgeSet, OrderTable, Parsed, RejectLog
from relmine.ingest.pairs import NO_FIRST, time_code
from relmine.ingest.returns import ServiceStats, compile_pattern
from relmine.ingest.spill import OrderBuckets, bucket_count
from relmine.ingest.textio import BINARY_TABLES, csv_records, read_lines, table_records


@dataclass
class ReadContext:
    path: Path
    fmt: str
    options: IngestOptions
    sha256: str
    rejects: RejectLog
    spill: Path | None = None   # orders: scratch folder for files over --chunk-mb (None: all in memory)


# -- tabular helpers -------------------------------------------------------------------------------------------
def _delimiter(fmt: str) -> str:
    return "\t" if fmt == "tsv" else ","


def _table(ctx: ReadContext) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV/TSV records (or Parquet / xlsx rows as text) with their line numbers."""
    if ctx.fmt in BINARY_TABLES:
        records = table_records(ctx.path, ctx.fmt, ctx.options.sheet)
    else:
        records = csv_records(ctx.path, _delimiter(ctx.fmt), ctx.options.encoding)
    for line, fields in records:
        if not fields or all(not f.strip() for f in fields):
            continue
        yield line, fields


class _DuplicateKey(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key given twice with two values is an error (``json`` would keep the last silently)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen and seen[key] != value:
                raise _DuplicateKey(f"JSON key {key[:40]!r} given twice with different values: "
                                    f"{json.dumps(seen[key], default=str)[:80]} and {json.dumps(value, default=str)[:80]}")
            seen[key] = value
    return obj


def _json_lines(ctx: ReadContext, *, literal_2014: bool = False) -> Iterator[tuple[int, dict | None, str]]:
    """``(line, object or None, raw)``; a line that is not a JSON object is rejected here.

    With ``literal_2014`` (Amazon metadata), a line that is not JSON is read as a 2014 Python dict
    literal (:func:`relmine.ingest.amazon2014.parse_literal`, never ``eval``), and every record is
    normalised into the 2018 shape."""
    for line, text in read_lines(ctx.path, ctx.options.encoding):
        if not text.strip():
            continue
        ctx.rejects.counts.read += 1
        try:
            obj = json.loads(text, object_pairs_hook=_pairs)
        except _DuplicateKey as exc:
            ctx.rejects.reject(line, str(exc), text)
            continue
        except json.JSONDecodeError as exc:
            if not literal_2014:
                ctx.rejects.reject(line, f"not JSON: {exc.msg} at column {exc.colno}", text)
                continue
            try:
                obj = amazon2014.parse_literal(text)
            except ValueError as lit:
                ctx.rejects.reject(line, f"not JSON ({exc.msg} at column {exc.colno}) and {lit}", text)
                continue
            ctx.rejects.counts.note("format_2014")
        except RecursionError:
            ctx.rejects.reject(line, f"JSON nested deeper than {V.JSON_DEPTH_MAX} levels", text)
            continue
        if not isinstance(obj, dict):
            ctx.rejects.reject(line, f"not a JSON object but a {type(obj).__name__}", text)
            continue
        yield line, (amazon2014.normalise(obj) if literal_2014 else obj), text


def _header(ctx: ReadContext, records: Iterator[tuple[int, list[str]]], fields: dict, kind: str):
    try:
        _, header = next(records)
    except StopIteration:
        raise InputError(f"{ctx.path}: empty file (no header)") from None
    header = [h.strip() for h in header]
    mapping = match_columns(header, fields, ctx.options.columns)
    require(mapping, kind, header, ctx.path)
    _check_duplicate_columns(ctx, header, mapping)
    return header, mapping


def _check_duplicate_columns(ctx: ReadContext, header: list[str], mapping: dict[str, int]) -> None:
    """Two columns of the same name: refused when one of them is a mapped field (which one is meant?);
    free columns are kept apart as ``name``, ``name_2``… (:func:`values.property_keys`), noted."""
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        key = same_name_key(name)  # as the field aliases compare names: "Order ID" and "order_id" are one name
        if key in seen:
            j = seen[key]
            field = next((f for f, c in mapping.items() if c in (i, j)), None)
            if field is not None:
                raise InputError(f"{ctx.path}: the header names column {name!r} twice (columns {j + 1} and "
                                 f"{i + 1}) and it holds the {field} field; rename one, or map the field to "
                                 "another column with --col")
            ctx.rejects.counts.note("duplicate_columns_renamed")
        else:
            seen[key] = i


@dataclass(frozen=True)
class _Table:
    """A table's header, the columns mapped to known fields, and the free columns (as property keys)."""

    header: list[str]
    mapping: dict[str, int]
    free: list[int]
    keys: list[str]          # property key of each free column, in the order of ``free``

    def extras(self, fields: list[str]) -> dict[str, Any]:
        """The free columns of a record as properties (values typed by inference); raises
        :class:`ValueError` for a value over :data:`values.TEXT_MAX`."""
        out = {}
        for key, i in zip(self.keys, self.free):
            value = V.infer_scalar(fields[i])
            if isinstance(value, str):
                V.check_text(value, f"column {self.header[i]!r}")
            out[key] = value
        return out


def _mapped_table(ctx: ReadContext, known: dict, kind: str) -> tuple[_Table, Iterator[tuple[int, list[str]]]]:
    """Read the header now; then the records, counted as read, with wrong-width records rejected."""
    records = _table(ctx)
    header, mapping = _header(ctx, records, known, kind)
    free = [i for i in range(len(header)) if i not in mapping.values()]
    table = _Table(header, mapping, free, V.property_key_list([header[i] for i in free]))

    def rows() -> Iterator[tuple[int, list[str]]]:
        for line, fields in records:
            ctx.rejects.counts.read += 1
            if len(fields) != len(header):
                ctx.rejects.reject(line, f"expected {len(header)} fields, found {len(fields)}", _join(fields))
                continue
            yield line, fields

    return table, rows()


def _cell(fields: list[str], mapping: dict[str, int], name: str) -> str | None:
    i = mapping.get(name)
    if i is None:
        return None
    value = fields[i].strip()
    return value or None


# -- catalogue ---------------------------------------------------------------------------------------------------
def read_catalog(ctx: ReadContext) -> Parsed:
    """Products with title, category path, brand, price and free columns as sanitised properties.

    A sku read again with the same values is a duplicate; with other values, the later row is
    rejected with both values (the first is kept)."""
    out = Parsed(counts=ctx.rejects.counts)
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    if ctx.fmt == "jsonl":
        rows = _catalog_json_rows(ctx)
    else:
        rows = _catalog_table_rows(ctx)
    for line, raw, get, extras in rows:
        try:
            product = _catalog_product(ctx, get, extras)
        except ValueError as exc:
            ctx.rejects.reject(line, str(exc), raw)
            continue
        _keep_product(ctx, out, seen, line, product, raw, "sku")
    return out


def _keep_product(ctx: ReadContext, out: Parsed, seen: dict[str, tuple[int, dict[str, Any]]], line: int,
                  product: dict[str, Any], raw: Any, key: str) -> bool:
    """Add ``product`` (read at ``line``) to ``out`` unless its sku was read before (``seen``): the same
    values again are a duplicate, other values a conflict (rejected, the first kept). Its notes are counted
    once it is kept; ``key`` names the sku in a conflict's reason. Returns whether it was kept."""
    notes = product.pop("notes")
    first = seen.get(product["sku"])
    if first is not None:
        if _same_product(first[1], product):
            out.counts.duplicates += 1
        else:
            ctx.rejects.conflict(line, f"{key} {product['sku']}", first[0], _product_values(first[1]),
                                 _product_values(product), raw)
        return False
    seen[product["sku"]] = (line, product)
    for note in notes:
        out.counts.note(note)
    out.counts.accepted += 1
    out.products.append(product)
    if product["category"]:
        out.categories.add(product["category"])
    return True


def _product_values(product: dict[str, Any]) -> dict[str, Any]:
    return {**product["props"], "category": product["category"]}


def _same_product(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return _product_values(a) == _product_values(b)


def clean_title(notes: list[str], value: Any, name: str = "title") -> str | None:
    """Title or description text without HTML/CSS junk (:func:`values.clean_text`), null when nothing
    readable is left; ``<name>_cleaned`` / ``<name>_nulled`` appended to ``notes`` (counted in the summary
    once the row is accepted). Raises :class:`ValueError` over :data:`values.TEXT_MAX`."""
    if value is None:
        return None
    if isinstance(value, str):
        V.check_text(value, name)
    text, what = V.clean_text(value)
    if what != "kept":
        notes.append(f"{name}_{what}")
    return text



def _catalog_product(ctx: ReadContext, get, extras: dict[str, Any]) -> dict[str, Any]:
    opts = ctx.options
    sku = opts.sku_prefix + V.clean_sku(get("sku"))
    props: dict[str, Any] = {k: v for k, v in extras.items() if v is not None}
    notes: list[str] = []
    title = get("title")
    if title is not None:
        props["title"] = clean_title(notes, title if isinstance(title, str) else str(title))
    brand = get("brand")
    if brand is not None:
        props["brand"] = V.check_text(str(brand).strip(), "brand", V.CATEGORY_NAME_MAX)
    features = get("features")
    if features is not None:
        props["features"] = V.parse_vector(features, "features")
    price, price_max = V.parse_price(get("price"))
    if price is not None:
        props["price"] = price
    if price_max is not None:
        props["price_max"] = price_max
    category = get("category")
    if isinstance(category, list):
        levels = V.clean_category_levels(category, cut_junk=False)
    elif isinstance(category, dict):
        raise ValueError("category is an object, not a path or a list of levels")
    else:
        levels = V.split_category(str(category), opts.category_sep) if category is not None else []
    return {"sku": sku, "props": {k: v for k, v in props.items() if v not in (None, "")},
            "category": V.category_path(levels) or None, "notes": notes}


def _catalog_table_rows(ctx: ReadContext):
    table, rows = _mapped_table(ctx, CATALOG_FIELDS, "catalog")
    for line, fields in rows:
        try:
            extras = table.extras(fields)
        except ValueError as exc:
            ctx.rejects.reject(line, str(exc), _join(fields))
            continue
        yield line, _join(fields), (lambda name, f=fields: _cell(f, table.mapping, name)), extras


def _catalog_json_rows(ctx: ReadContext):
    key_cache: dict[tuple[str, ...], tuple[dict[str, int], dict[str, str]]] = {}
    for line, obj, raw in _json_lines(ctx):
        names = tuple(obj.keys())
        if names not in key_cache:
            mapping = match_columns(list(names), CATALOG_FIELDS, ctx.options.columns)
            free = [n for i, n in enumerate(names) if i not in mapping.values()]
            key_cache[names] = (mapping, V.property_keys(free))
        mapping, keys = key_cache[names]
        if "sku" not in mapping:
            ctx.rejects.reject(line, f"no sku key (keys: {', '.join(names)[:200]})", raw)
            continue
        try:
            extras = {keys[n]: V.json_property(obj[n], f"key {n[:40]!r}") for n in keys}
            for field in mapping:
                V.check_json_value(obj[names[mapping[field]]], field)
        except ValueError as exc:
            ctx.rejects.reject(line, str(exc), raw)
            continue
        yield line, raw, (lambda name, o=obj, m=mapping, n=names: o[n[m[name]]] if name in m else None), extras


def _join(fields: list[str]) -> str:
    return ",".join(fields)


# -- Amazon metadata ---------------------------------------------------------------------------------------------
_RANK = re.compile(r"([0-9][0-9,]*)")


def read_amazon_meta(ctx: ReadContext) -> Parsed:
    """McAuley-lab product metadata: products, category tree, ALSO_BOUGHT and ALSO_VIEWED.

    Messy fields are repaired rather than rejected: an unparseable price (HTML,
    CSS) is dropped, category lists are cut at the first non-category level
    (:func:`values.clean_category_levels`), HTML is stripped from text. Links
    to products absent from the file are dropped unless ``keep_external``.
    """
    out = Parsed(counts=ctx.rejects.counts)
    opts = ctx.options
    links: list[tuple[str, str, list]] = []
    known: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, obj, raw in _json_lines(ctx, literal_2014=True):  # 2018 JSON or 2014 dict literals
        try:
            sku = opts.sku_prefix + V.clean_sku(obj.get("asin"))
        except ValueError as exc:
            ctx.rejects.reject(line, f"asin: {exc}", raw)
            continue
        try:
            product = _meta_product(ctx, obj, sku)
        except ValueError as exc:
            ctx.rejects.reject(line, str(exc), raw)
            continue
        if not _keep_product(ctx, out, known, line, product, raw, "asin"):
            continue
        for field, rel in amazon2014.LINK_FIELDS:
            targets = obj.get(field) or []
            if isinstance(targets, list):
                links.append((sku, rel, targets))
    out.edges = _meta_links(out, opts, known, links)
    return out


def _meta_links(out: Parsed, opts: IngestOptions, known: dict[str, Any],
                links: list[tuple[str, str, list]]) -> EdgeSet:
    """The ALSO_BOUGHT / ALSO_VIEWED links of the products kept (``known``), every kept product a node;
    invalid, self and (unless ``keep_external``) external links are dropped, each kind noted."""
    edges = EdgeSet()
    for sku in sorted(known):
        edges.node(sku)
    for sku, rel, targets in links:
        for target in targets:
            try:
                dst = opts.sku_prefix + V.clean_sku(target)
            except ValueError:
                out.counts.note("links_invalid")
                continue
            if dst == sku:
                out.counts.note("links_self")
            elif dst not in known and not opts.keep_external:
                out.counts.note("links_external_dropped")
            else:
                edges.add(rel, sku, dst, 1.0)
    dropped = edges.finish()
    if dropped:
        out.counts.note("links_duplicate", dropped)
    out.counts.note("links_kept", edges.count())
    if opts.keep_external:
        out.counts.note("external_products", sum(1 for s in edges.skus if s not in known))
    return edges


def _meta_product(ctx: ReadContext, obj: dict[str, Any], sku: str) -> dict[str, Any]:
    """One metadata line as a product row; :class:`ValueError` for a value over a limit."""
    notes: list[str] = []
    props: dict[str, Any] = {}
    for key, value in obj.items():
        V.check_json_value(value, f"key {key[:40]!r}")
    title = obj.get("title")
    if isinstance(title, str):
        props["title"] = clean_title(notes, title)
    for key in ("brand", "main_cat", "date"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            text = V.strip_html(value)
            if text and not (key in ("main_cat", "date") and V.looks_like_markup(value)):
                if len(text) > V.CATEGORY_NAME_MAX:  # scraped junk: dropped, as unparseable prices are
                    notes.append(f"{key}_dropped")
                else:
                    props[key] = text
    try:
        price, price_max = V.parse_price(obj.get("price"))
    except ValueError:
        price, price_max = None, None
        notes.append("price_dropped")
    if price is not None:
        props["price"] = price
    if price_max is not None:
        props["price_max"] = price_max
    rank = obj.get("rank")
    rank_text = rank[0] if isinstance(rank, list) and rank else rank
    if isinstance(rank_text, str) and (m := _RANK.search(rank_text)):
        props["sales_rank"] = int(m.group(1).replace(",", ""))
    description = obj.get("description")
    if isinstance(description, list):
        text = "\n".join(t for t in (V.clean_text(d)[0] for d in description if isinstance(d, str)) if t)
        if any(isinstance(d, str) and d.strip() for d in description) and not text:
            notes.append("description_nulled")
        if text:
            props["description"] = V.check_text(text, "description")
    features = obj.get("feature")
    if isinstance(features, list):
        feats = [t for t in (V.clean_text(f)[0] for f in features if isinstance(f, str)) if t]
        if feats:
            props["features"] = feats
    levels = V.clean_category_levels(obj.get("category") or [])
    category = V.category_path(levels) or None
    raw_levels = [c for c in obj.get("category") or [] if isinstance(c, str)]
    if len(levels) < len(_dedupe_consecutive(raw_levels)):
        notes.append("category_levels_cut")
    if paths := [p for p in (V.category_path(V.clean_category_levels(c)) for c in obj.get("categories", [])) if p]:
        props["categories"] = paths  # every path of a 2014 record; ``category`` is the first
    return {"sku": sku, "props": {k: v for k, v in props.items() if v is not None}, "category": category, "notes": notes}


def _dedupe_consecutive(levels: list[str]) -> list[str]:
    out: list[str] = []
    for level in levels:
        s = level.strip()
        if s and (not out or out[-1] != s):
            out.append(s)
    return out


# -- edge lists --------------------------------------------------------------------------------------------------
def read_edges(ctx: ReadContext) -> Parsed:
    """``src, dst[, type][, weight]`` rows: CSV/TSV with or without a header, JSON lines, or
    white-space separated text with ``#`` comments (SNAP). Self-loops are rejected; repeated
    relations are counted as duplicates; symmetric types are stored once per pair (lower sku
    -> higher sku). Without a type column every row gets ``--type``; without a weight, 1.0.
    A ``time`` column (found by name: ``date``, ``time``, ``first_seen``…, read as order times
    are, ``--date-format`` included) gives each relation its first and last seen."""
    reader = _EdgeReader(ctx)
    if ctx.fmt == "jsonl":
        reader.read_json()
    else:
        reader.read_table()
    return reader.finish()


_ABSENT = 1 << 30  # the column index of a field the table does not have


class _EdgeReader:
    """One edge file's read: the relations taken so far (an :class:`EdgeSet`), and the skus and
    relation types already checked (cached: big edge lists repeat them on every row)."""

    def __init__(self, ctx: ReadContext):
        opts = ctx.options
        self.ctx = ctx
        self.out = Parsed(counts=ctx.rejects.counts)
        self.counts = self.out.counts
        self.reject = ctx.rejects.reject
        self.allowed = V.extra_types(opts.allow_types)
        try:
            self.default_type = V.relation_type(opts.relation_type, self.allowed) if opts.relation_type else None
        except ValueError as exc:
            raise InputError(f"--type: {exc}") from exc
        self.type_cache: dict[Any, str | ValueError] = {}
        self.node_cache: dict[Any, int] = {}
        self.edges = EdgeSet()
        self.prefix = opts.sku_prefix
        self.delimiter = "," if ctx.fmt == "csv" else "\t"
        self.date_format = V.check_date_format(opts.date_format)

    def node(self, raw: Any) -> int:
        i = self.node_cache.get(raw)
        if i is None:
            i = self.node_cache[raw] = self.edges.node(self.prefix + V.clean_sku(raw))
        return i

    def typed(self, raw: Any) -> str:
        if raw is None or raw == "":
            if self.default_type is None:
                raise ValueError("no relation type (add a type column or pass --type)")
            return self.default_type
        hit = self.type_cache.get(raw)
        if hit is None:
            try:
                hit = V.relation_type(str(raw), self.allowed)
            except ValueError as exc:
                hit = exc
            self.type_cache[raw] = hit
        if isinstance(hit, ValueError):
            raise hit
        return hit

    def take(self, line: int, raw: Any, src: Any, dst: Any, rel: Any, weight: Any, when: Any = None) -> None:
        """Check one relation and add it, or reject its row."""
        try:
            s, d = self.node(src), self.node(dst)
            if s == d:
                raise ValueError(f"self-loop {self.edges.skus[s]} -> {self.edges.skus[d]}")
            t = self.typed(rel)
            w = 1.0 if weight is None else V.parse_weight(weight)
            seen = NO_FIRST if when is None else time_code(V.parse_time(when, self.date_format))
        except V.AmbiguousDate as exc:
            raise InputError(f"{self.ctx.path}: line {line}: {exc}") from exc
        except ValueError as exc:
            self.reject(line, str(exc), raw if isinstance(raw, str) else self.delimiter.join(raw))
            return
        self.edges.add_index(t, s, d, w, line, seen)
        self.counts.accepted += 1

    def read_json(self) -> None:
        """JSON lines, each object's keys found by name."""
        for line, obj, raw in _json_lines(self.ctx):
            names = list(obj.keys())
            mapping = match_columns(names, EDGE_FIELDS, self.ctx.options.columns)
            if "src" not in mapping or "dst" not in mapping:
                self.reject(line, f"no src/dst keys (keys: {', '.join(names)[:200]})", raw)
                continue
            get = [obj[names[mapping[f]]] if f in mapping else None for f in ("src", "dst", "type", "weight", "time")]
            self.take(line, raw, *get)

    def _columns(self, records: Iterator[tuple[int, list[str]]]) -> tuple[dict[str, int], list]:
        """The columns of the fields, from a header naming ``src`` and ``dst``, else ``src, dst, type,
        weight`` in that order; and the records to read first (the first one, when it was no header)."""
        try:
            first_line, first = next(records)
        except StopIteration:
            first_line, first = 0, None
        header = [f.strip() for f in first] if first is not None else []
        found = match_columns(header, EDGE_FIELDS, self.ctx.options.columns) if header else {}
        if "src" in found and "dst" in found:
            return found, []
        if self.ctx.options.columns:
            require(found, "edges", header, self.ctx.path)
        return {"src": 0, "dst": 1, "type": 2, "weight": 3}, [(first_line, first)] if first is not None else []

    def read_table(self) -> None:
        """CSV/TSV or white-space separated text. Most rows of big plain edge lists (two known skus, the
        default type, no weight, no time) take a fast path that skips the checks they have passed once."""
        records = _edge_records(self.ctx)
        mapping, pending = self._columns(records)
        counts, delimiter = self.counts, self.delimiter
        i_src, i_dst = mapping["src"], mapping["dst"]
        i_type, i_weight = mapping.get("type", _ABSENT), mapping.get("weight", _ABSENT)
        i_time = mapping.get("time", _ABSENT)
        strip = self.ctx.fmt != "text"
        default_type, node_cache = self.default_type, self.node_cache
        fast = default_type is not None and default_type not in V.SYMMETRIC_TYPES and "time" not in mapping
        if fast:
            fast_src, fast_dst, fast_w, fast_line = self.edges.arrays(default_type)
        for line, fields in itertools.chain(pending, records):
            counts.read += 1
            n = len(fields)
            if fast and n == 2:
                s = node_cache.get(fields[i_src])
                d = node_cache.get(fields[i_dst])
                if s is not None and d is not None and s != d:
                    fast_src.append(s)
                    fast_dst.append(d)
                    fast_w.append(1.0)
                    fast_line.append(line)
                    counts.accepted += 1
                    continue
            if n <= i_src or n <= i_dst:
                self.reject(line, f"expected at least {max(i_src, i_dst) + 1} fields, found {n}",
                            delimiter.join(fields))
                continue
            rel = fields[i_type] if i_type < n else None
            weight = fields[i_weight] if i_weight < n else None
            when = (fields[i_time].strip() or None) if i_time < n else None
            if strip:
                rel = rel.strip() if rel is not None else None
                weight = (weight.strip() or None) if weight is not None else None
            self.take(line, fields, fields[i_src], fields[i_dst], rel, weight, when)

    def finish(self) -> Parsed:
        """De-duplicate the relations; repeated ones count as duplicates, or, with another weight, are rejected."""
        edges, counts = self.edges, self.counts
        dropped = edges.finish()
        counts.duplicates += dropped - len(edges.conflicts)
        counts.accepted -= dropped
        for line, first_line, rel, src, dst, w_first, w in sorted(edges.conflicts):
            self.ctx.rejects.conflict(line, f"relation {src} -[{rel}]- {dst}", first_line, {"weight": w_first},
                                      {"weight": w}, f"{src},{dst},{rel},{w}")
        self.out.edges = edges
        return self.out


def _edge_records(ctx: ReadContext) -> Iterator[tuple[int, list[str]]]:
    if ctx.fmt == "text":
        for line, text in read_lines(ctx.path, ctx.options.encoding):
            s = text.strip()
            if not s or s.startswith("#"):
                continue
            yield line, s.split()
    else:
        for line, fields in _table(ctx):
            if fields[0].lstrip().startswith("#"):
                continue
            yield line, fields


# -- orders and baskets ------------------------------------------------------------------------------------------
class _OrderBuilder:
    """Groups order lines in memory; with ``buckets`` (a file over ``--chunk-mb``) the lines go to
    disk instead and are grouped bucket by bucket (:mod:`relmine.ingest.spill`). Product stubs
    (first title and price seen per sku) are kept in memory either way."""

    def __init__(self, out: Parsed, buckets: OrderBuckets | None = None):
        self.out = out
        self.table = OrderTable()
        self.index: dict[str, int] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.buckets = buckets

    def line(self, order_id: str, sku: str, qty: int, props: dict[str, Any], title: str | None,
             price: float | None, *, is_return: bool = False, line: int = 0) -> None:
        if self.buckets is not None:
            self.buckets.add(line, order_id, sku, qty, props, is_return)
            self._stub(sku, title, price)
            return
        i = self.index.get(order_id)
        if i is None:
            i = self.index[order_id] = len(self.table.ids)
            self.table.ids.append(order_id)
            self.table.props.append({k: v for k, v in props.items() if v is not None})
            self.table.items.append({})
            self.table.returns.append(is_return)
        items = self.table.items[i]
        if sku in items:
            self.out.counts.note("lines_merged")
        items[sku] = items.get(sku, 0) + qty
        self._stub(sku, title, price)

    def _stub(self, sku: str, title: str | None, price: float | None) -> None:
        stub = self.products.get(sku)
        if stub is None:
            self.products[sku] = {"sku": sku, "title": title, "price": price}
        else:
            if stub["title"] is None and title is not None:
                stub["title"] = title
            if stub["price"] is None and price is not None:
                stub["price"] = price

    def check(self, order_id: str, sku: str, qty: int) -> None:
        """:class:`ValueError` when this line would carry the (order, sku) quantity past the limit."""
        if self.buckets is not None:
            return  # checked when the bucket is grouped
        i = self.index.get(order_id)
        if i is not None and sku in self.table.items[i]:
            V.add_quantity(self.table.items[i][sku], qty, f"quantity of {sku} in order {order_id} summed to")

    def finish(self, rejects: RejectLog | None = None, progress: bool = False) -> None:
        self.out.stubs = list(self.products.values())
        if self.buckets is None:
            self.out.orders = self.table
            self.out.buckets = OrderBuckets.of_table(self.table)
            return
        counts = self.out.counts

        def reject(line: int, reason: str, raw: str) -> None:
            counts.accepted -= 1
            rejects.reject(line, reason, raw)

        with Progress("group orders", total=self.buckets.n, unit="chunks", enabled=progress) as bar:
            for _ in self.buckets.group(reject, counts.note):
                bar.update(1)
        self.out.buckets = self.buckets


def _signed(text: str | None) -> tuple[str | None, bool]:
    """``"-3"`` -> ``("3", True)``: the magnitude and whether the value was negative."""
    if text is not None and text.startswith("-"):
        return text[1:].strip(), True
    return text, False


def counts_read(ctx: ReadContext) -> int:
    return ctx.rejects.counts.read


def read_orders(ctx: ReadContext) -> Parsed:
    """Order lines (order id, sku, quantity, time, customer, price, title, kind; other columns
    become order properties), grouped by order; repeated (order, sku) lines are summed.

    Returns (cancellation-marked order ids, negative quantities, a return ``kind``) are kept as
    return orders; service lines (postage, fees, ...) are marked in ``Parsed.service``: see
    :mod:`relmine.ingest.returns` for the rules. :func:`load.apply_service_rules` adds the
    data-driven rules and drops the service lines."""
    out = Parsed(counts=ctx.rejects.counts)
    n_buckets = bucket_count(ctx.path, ctx.fmt, ctx.options.chunk_mb) if ctx.spill is not None else 1
    buckets = OrderBuckets(ctx.spill / "orders", n_buckets) if n_buckets > 1 else None
    try:
        return _read_orders(ctx, out, _OrderBuilder(out, buckets), n_buckets)
    except BaseException:  # a bad file, a full disk, Ctrl-C: the bucket files are closed, not left to the GC
        if buckets is not None:
            buckets.close()
        raise


@dataclass(frozen=True)
class _OrderRules:
    """How an order line is told apart: the order-id prefix, and the patterns of cancellations, return
    kinds and service lines (:mod:`relmine.ingest.returns`; None: that rule is off)."""

    prefix: str
    cancel: re.Pattern | None
    return_kind: re.Pattern | None
    service_code: re.Pattern | None
    service_text: re.Pattern | None

    @classmethod
    def of(cls, opts: IngestOptions) -> "_OrderRules":
        return cls(opts.order_prefix or "", compile_pattern("--cancel-pattern", opts.cancel_pattern),
                   compile_pattern("--return-kinds", opts.return_kinds),
                   compile_pattern("--service-codes", opts.service_codes),
                   compile_pattern("--service-pattern", opts.service_pattern))


@dataclass
class _OrderLine:
    """One order line, read and checked."""

    oid: str                  # the order's id as written: prefixed, ``:return`` for a return
    code: str                 # the sku as in the file
    sku: str                  # the sku with --sku-prefix
    qty: int
    price: float | None
    title: str | None
    returned: bool
    props: dict[str, Any]     # the free columns, the time and the customer
    notes: list[str]          # counted once the line is accepted


def _order_line(fields: list[str], table: _Table, rules: _OrderRules, sku_prefix: str,
                date_format: str | None) -> _OrderLine:
    """The values of one order line; :class:`ValueError` rejects it, :class:`values.AmbiguousDate` stops the read."""
    mapping = table.mapping
    notes: list[str] = []
    order = V.clean_order_id(_cell(fields, mapping, "order"))
    code = V.clean_sku(_cell(fields, mapping, "sku"))
    qty_text, negative = _signed(_cell(fields, mapping, "qty"))
    qty = V.parse_quantity(qty_text) if "qty" in mapping else 1
    time = V.parse_time(_cell(fields, mapping, "time"), date_format)
    price_text, below_zero = _signed(_cell(fields, mapping, "price"))
    price, _ = V.parse_price(price_text)
    if below_zero and price is not None:
        price = -price
    customer = V.check_text(_cell(fields, mapping, "customer"), "customer", V.ORDER_ID_MAX)
    title = clean_title(notes, _cell(fields, mapping, "title"))
    kind = _cell(fields, mapping, "kind")
    cancelled = rules.cancel is not None and rules.cancel.search(order) is not None
    returned = cancelled or negative or (rules.return_kind is not None and kind is not None
                                         and rules.return_kind.search(kind) is not None)
    oid = rules.prefix + order + (":return" if returned and not cancelled else "")
    props = table.extras(fields)
    props["time"] = time
    props["customer"] = customer
    return _OrderLine(oid, code, sku_prefix + code, qty, price, title, returned, props, notes)


class _LineProgress:
    """Progress of a table's lines; for a plain text file, with a total (an ETA) estimated from the file's
    size over the bytes of its first 2,000 lines."""

    def __init__(self, ctx: ReadContext):
        plain = ctx.fmt not in BINARY_TABLES and ctx.path.suffix != ".gz"
        self.ctx = ctx
        self.size, self.raw_bytes = (ctx.path.stat().st_size if plain else 0), 0
        self.bar = Progress(f"read {ctx.path.name}", unit="lines", enabled=ctx.options.progress)

    def line(self, raw: str) -> None:
        if self.size:
            self.raw_bytes += len(raw) + 1
            if counts_read(self.ctx) == 2_000:
                self.bar.set_total(int(self.size / (self.raw_bytes / 2_000)))
                self.size = 0
        if not counts_read(self.ctx) % 1_000:
            self.bar.update(1_000)

    def close(self) -> None:
        self.bar.done = counts_read(self.ctx)
        self.bar.close()


def _read_orders(ctx: ReadContext, out: Parsed, build: _OrderBuilder, n_buckets: int) -> Parsed:
    opts = ctx.options
    if n_buckets > 1:
        out.counts.note("order_chunks", n_buckets)
    rules = _OrderRules.of(opts)
    stats = ServiceStats()
    checked: set[str] = set()
    if ctx.fmt == "jsonl":
        raise InputError(f"{ctx.path}: orders are read from CSV/TSV, Parquet or xlsx; pass --format")
    table, rows = _mapped_table(ctx, ORDER_FIELDS, "orders")
    date_format = V.check_date_format(opts.date_format)
    progress = _LineProgress(ctx)
    for line, fields in rows:
        raw = _join(fields)
        progress.line(raw)
        try:
            order_line = _order_line(fields, table, rules, opts.sku_prefix, date_format)
            build.check(order_line.oid, order_line.sku, order_line.qty)
        except V.AmbiguousDate as exc:
            raise InputError(f"{ctx.path}: line {line}: {exc}") from exc
        except ValueError as exc:
            ctx.rejects.reject(line, str(exc), raw)
            continue
        _keep_order_line(out, build, order_line, line, rules, stats, checked)
    progress.close()
    build.finish(ctx.rejects, opts.progress)
    for sku in sorted(stats.by_description()):
        out.service.setdefault(sku, "description")
    for sku in sorted(stats.unpriced()):
        out.service.setdefault(sku, "price <= 0")
    return out


def _keep_order_line(out: Parsed, build: _OrderBuilder, o: _OrderLine, line: int, rules: _OrderRules,
                     stats: ServiceStats, checked: set[str]) -> None:
    """Add an accepted order line to its order, and to the evidence of service lines (``checked``: the
    skus whose code was matched already)."""
    stats.price(o.sku, o.price)
    out.line_counts[o.sku] = out.line_counts.get(o.sku, 0) + 1
    if rules.service_code is not None and o.sku not in checked:
        checked.add(o.sku)
        if rules.service_code.search(o.code):
            out.service[o.sku] = "code"
    if rules.service_text is not None and o.title:
        stats.text(o.sku, rules.service_text.search(o.title) is not None)
    if o.returned:
        out.counts.note("return_lines")
    build.line(o.oid, o.sku, o.qty, o.props, o.title, o.price, is_return=o.returned, line=line)
    for note in o.notes:
        out.counts.note(note)
    out.counts.accepted += 1


def read_baskets(ctx: ReadContext) -> Parsed:
    """One basket a line (``milk,bread,butter``), no header; the order id is
    ``<prefix>:<line number>`` with the prefix from ``--order-prefix`` or the file's checksum.
    Item names are stripped (real files carry trailing spaces); an item repeated in a
    basket counts as quantity."""
    if ctx.fmt in BINARY_TABLES:
        raise InputError(f"{ctx.path}: baskets are read from CSV/TSV text; a {ctx.fmt} file holds a table: "
                         "ingest it as orders (one row per order line)")
    out = Parsed(counts=ctx.rejects.counts)
    opts = ctx.options
    build = _OrderBuilder(out)
    prefix = opts.order_prefix or f"b{ctx.sha256[:12]}"
    delimiter = "\t" if ctx.fmt == "tsv" else ","
    for line, fields in csv_records(ctx.path, delimiter, opts.encoding):
        if not fields or all(not f.strip() for f in fields):
            if fields:
                ctx.rejects.counts.read += 1
                ctx.rejects.reject(line, "empty basket (no item names)", delimiter.join(fields))
            continue
        ctx.rejects.counts.read += 1
        try:
            items = [opts.sku_prefix + V.clean_sku(f) for f in fields if f.strip()]
        except ValueError as exc:
            ctx.rejects.reject(line, str(exc), delimiter.join(fields))
            continue
        if any(f.strip() != f for f in fields if f.strip()):
            out.counts.note("names_stripped")
        for sku in items:
            build.line(f"{prefix}:{line}", sku, 1, {}, sku, None)
        out.counts.accepted += 1
    build.finish()
    return out


READERS = {
    "catalog": read_catalog,
    "amazon-meta": read_amazon_meta,
    "edges": read_edges,
    "orders": read_orders,
    "baskets": read_baskets,
}
