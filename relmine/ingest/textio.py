"""Reading input files: ``.gz`` transparently, strict decoding with line numbers, format and kind sniffing."""

from __future__ import annotations

import codecs
import csv
import datetime
import gzip
import hashlib
import json
import math
import os
import stat
import sys
import zlib
from pathlib import Path
from typing import IO, Any, Iterator

from relmine.errors import InputError

FORMATS = ("csv", "tsv", "jsonl", "text", "parquet", "xlsx")
#: formats read as tables of typed cells (no text decoding, no line ends): see :func:`table_records`
BINARY_TABLES = ("parquet", "xlsx")
_EXT = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".json": "jsonl",
        ".ndjson": "jsonl", ".txt": "text", ".edges": "text", ".snap": "text",
        ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def base_suffix(path: Path) -> str:
    """The extension that names the format, under a ``.gz``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def detect_format(path: Path, forced: str | None = None) -> str:
    if forced:
        if forced not in FORMATS:
            raise InputError(f"unknown format {forced!r}; one of {', '.join(FORMATS)}")
        return forced
    ext = base_suffix(path)
    if ext not in _EXT:
        raise InputError(f"{path}: cannot tell the format from the extension {ext or '(none)'!r}; "
                         f"pass --format ({', '.join(FORMATS)})")
    return _EXT[ext]


def check_input(path: Path, *, empty_ok: bool = False) -> None:
    """An input is a regular file that can be read twice (the checksum that names its source, then its
    rows). Anything else gets its own message: a path that is not there, a folder, a named pipe, a
    device (``/dev/null``), an empty file (unless ``empty_ok``), a file that cannot be read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except NotADirectoryError:
        raise InputError(f"{path}: no such file (a part of the path is a file, not a folder)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({(exc.strerror or str(exc)).lower()})") from exc
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{path} is a folder, not a file: name a file in it")
    if not stat.S_ISREG(mode):
        if stat.S_ISCHR(mode) and os.path.realpath(path) == os.devnull:
            raise InputError(f"{path} is the null device: it reads as empty, so there is nothing to ingest")
        what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else
                "a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode) else
                "not a regular file")
        raise InputError(f"{path} is {what}, not a regular file: relmine reads a file twice (a checksum names "
                         "the source, then the rows); save the data to a file first")
    if st.st_size == 0 and not empty_ok:
        raise InputError(f"{path}: empty file (0 bytes): nothing to ingest")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({(exc.strerror or str(exc)).lower()})") from exc


def _open_binary(path: Path) -> IO[bytes]:
    check_input(path, empty_ok=True)
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    if path.suffix.lower() == ".gz":
        raise InputError(f"{path}: named .gz but is not gzip data")
    return open(path, "rb")


CHUNK = 1 << 22


def read_lines(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every physical line, line ends kept, decoded strictly.

    Raises :class:`InputError` naming the line for bytes that do not decode,
    NUL bytes (a binary file) and broken gzip data — before the caller has
    written anything, since the readers consume the whole file first. Reads
    4 MiB blocks cut at a line end and decodes each block at once. UTF-16 and
    UTF-32 (``--encoding utf-16``...) are decoded incrementally; such a file read
    as another encoding is named by its byte order mark or NUL pattern
    (:func:`sniff_wide`) with the ``--encoding`` to pass.
    """
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputError(f"unknown encoding {encoding!r}") from exc
    n = 0
    try:
        with _open_binary(path) as f:
            if codec.startswith(WIDE):
                for n, line in _wide_lines(path, f, codec, encoding):
                    yield n, line
                return
            rest = b""
            first = True
            while True:
                block = f.read(CHUNK)
                if first:
                    first = False
                    _refuse_wide(path, block, encoding)
                data = rest + block
                if not block:
                    rest = b""
                elif b"\n" in block:
                    cut = data.rindex(b"\n") + 1
                    data, rest = data[:cut], data[cut:]
                else:
                    rest, data = data, b""
                if data:
                    text = _decode_block(path, data, codec, encoding, n)
                    if n == 0 and text.startswith("\ufeff"):
                        text = text[1:]
                    lines = text.split("\n")
                    last = lines.pop()
                    for line in lines:
                        n += 1
                        yield n, line + "\n"
                    if last:
                        n += 1
                        yield n, last
                if not block:
                    return
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: broken gzip data after line {n} ({exc})") from exc


#: codec names (``codecs.lookup(...).name``) read by :func:`_wide_lines`
WIDE = ("utf-16", "utf-32")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "little-endian"), (codecs.BOM_UTF32_BE, "utf-32", "big-endian"),
         (codecs.BOM_UTF16_LE, "utf-16", "little-endian"), (codecs.BOM_UTF16_BE, "utf-16", "big-endian"))


def sniff_wide(head: bytes) -> tuple[str, str, bool] | None:
    """``(family, byte order, has a byte order mark)`` when ``head`` (a file's first bytes) is UTF-16 or
    UTF-32 text: by its byte order mark, else by where its NUL bytes fall (text that is mostly ASCII has a
    NUL in every second byte in UTF-16, three in every four in UTF-32). ``None`` otherwise."""
    for bom, family, order in _BOMS:
        if head.startswith(bom):
            return family, order, True
    sample = head[:4096]
    sample = sample[: len(sample) // 4 * 4]
    if len(sample) < 8 or b"\x00" not in sample:
        return None

    def zeros(part: bytes) -> float:
        return part.count(0) / len(part)

    by4 = [zeros(sample[i::4]) for i in range(4)]
    if by4[0] < 0.1 and min(by4[1:]) > 0.9:
        return "utf-32", "little-endian", False
    if by4[3] < 0.1 and min(by4[:3]) > 0.9:
        return "utf-32", "big-endian", False
    even, odd = zeros(sample[0::2]), zeros(sample[1::2])
    if even < 0.1 and odd > 0.6:
        return "utf-16", "little-endian", False
    if odd < 0.1 and even > 0.6:
        return "utf-16", "big-endian", False
    return None


def _refuse_wide(path: Path, head: bytes, encoding: str) -> None:
    """A UTF-16/32 file read as ``encoding``: say what it is and what to pass."""
    found = sniff_wide(head)
    if found is None:
        return
    family, order, bom = found
    name = family.upper()
    if bom:
        option, iconv, how = family, name, f"{order}, with a byte order mark"
    else:
        suffix = "le" if order == "little-endian" else "be"
        option, iconv, how = f"{family}-{suffix}", f"{name}{suffix.upper()}", f"{order}, no byte order mark"
    raise InputError(f"{path}: the file is {name} text ({how}), not {encoding}: pass --encoding {option} "
                     f"(or convert it: iconv -f {iconv} -t UTF-8)")


def _wide_lines(path: Path, f: IO[bytes], codec: str, encoding: str) -> Iterator[tuple[int, str]]:
    """Lines of a UTF-16/32 stream: blocks decoded incrementally (a block may end inside a character),
    then split at line ends; a byte order mark is dropped, NUL characters refused as in a binary file."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    n = 0
    rest = ""
    first = True
    while True:
        block = f.read(CHUNK)
        state = decoder.getstate()
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            raise _wide_error(path, codec, encoding, state, block, exc, n, rest) from exc
        if first and text:
            first = False
            text = text.removeprefix("\ufeff")
        data = rest + text
        nul = data.find("\x00")
        if nul >= 0:
            raise InputError(f"{path}: line {n + data.count(chr(10), 0, nul) + 1} holds NUL characters: binary "
                             f"data, not {encoding} text")
        lines = data.split("\n")
        rest = lines.pop()
        for line in lines:
            n += 1
            yield n, line + "\n"
        if not block:
            if rest:
                yield n + 1, rest
            return


def _wide_error(path: Path, codec: str, encoding: str, state: tuple, block: bytes, exc: UnicodeDecodeError,
                n: int, rest: str) -> InputError:
    """The line and column of bytes that do not decode: the block decoded again up to them (``n`` lines
    read before it, ``rest`` the start of the line it continues)."""
    buffered, flag = state
    data = buffered + block  # what the decoder saw: ``exc.start`` counts from here
    again = codecs.getincrementaldecoder(codec)("strict")
    again.setstate((b"", flag))
    good = rest + again.decode(data[:exc.start])
    if n == 0 and not rest:
        good = good.removeprefix("\ufeff")
    line = n + good.count("\n") + 1
    column = len(good) - (good.rfind("\n") + 1) + 1
    return InputError(f"{path}: line {line} is not valid {encoding} (bytes {data[exc.start:exc.end]!r} at column "
                      f"{column}); pass --encoding with the file's encoding")


def _decode_block(path: Path, data: bytes, codec: str, encoding: str, before: int) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        line = before + data.count(b"\n", 0, nul) + 1
        raise InputError(f"{path}: line {line} holds NUL bytes: binary data, not a text file")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = before + data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"{path}: line {line} is not valid {encoding} (byte {data[exc.start:exc.start + 1]!r} at column "
            f"{column}); pass --encoding (e.g. latin-1) if the file uses another"
        ) from exc


def csv_records(path: Path, delimiter: str, encoding: str = "utf-8") -> Iterator[tuple[int, list[str]]]:
    """``(first line number, fields)`` of every CSV record (quoted fields may span lines)."""
    numbered = read_lines(path, encoding)
    current = [0]

    def feed() -> Iterator[str]:
        for n, text in numbered:
            current[0] = n
            yield text

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{path}: line {current[0]}: malformed CSV ({exc})") from exc
        yield start, fields
        start = current[0] + 1


def cell_text(value: Any) -> str:
    """A typed cell (Parquet, Excel) as the text a CSV export would hold: ``None`` -> ``""``, a whole
    float -> its integer (``536365.0`` -> ``"536365"``), a date/time -> ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def table_records(path: Path, fmt: str, sheet: str | None = None) -> Iterator[tuple[int | str, list[str]]]:
    """``(row reference, cells as text)`` of a Parquet file or an ``.xlsx`` workbook, header first.

    Parquet: the schema's column names, then the rows (row reference = row number + 1, as if line 1
    were the header), read one row group batch at a time. Excel: the sheet ``sheet``, or every sheet
    one after the other (each sheet's first row is its header and must equal the first sheet's;
    references read ``Sheet!row``). Raises :class:`InputError` for a file that is not one.
    """
    check_input(path, empty_ok=True)
    if fmt == "parquet":
        yield from _parquet_records(path)
    elif fmt == "xlsx":
        yield from _xlsx_records(path, sheet)
    else:
        raise InputError(f"{fmt} is not a table format")


def _parquet_records(path: Path) -> Iterator[tuple[int | str, list[str]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    names = list(pf.schema_arrow.names)
    yield 1, names
    row = 1
    for batch in pf.iter_batches(batch_size=65_536):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for values in zip(*columns):
            row += 1
            yield row, [cell_text(v) for v in values]


def _xlsx_records(path: Path, sheet: str | None) -> Iterator[tuple[int | str, list[str]]]:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise InputError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}")
            names = [sheet]
        else:
            names = list(book.sheetnames)
        header: list[str] | None = None
        for name in names:
            rows = book[name].iter_rows(values_only=True)
            first = next(rows, None)
            if first is None:
                continue
            this = [cell_text(v).strip() for v in first]
            while this and this[-1] == "":
                this.pop()
            if header is None:
                header = this
                yield f"{name}!1", this
            elif this != header:
                raise InputError(f"{path}: sheet {name!r} has another header than sheet {names[0]!r} "
                                 f"({_first_difference(this, header)}); pick one with --sheet NAME")
            width = len(header)
            for n, values in enumerate(rows, start=2):
                cells = [cell_text(v) for v in values[:width]]
                if len(values) > width and any(v is not None and cell_text(v).strip() for v in values[width:]):
                    cells += [cell_text(v) for v in values[width:]]
                elif len(cells) < width:
                    cells += [""] * (width - len(cells))
                yield f"{name}!{n}", cells
    finally:
        book.close()


def _first_difference(this: list[str], first: list[str]) -> str:
    """Where two headers part, in a few words: their widths, or the first column that differs."""
    for i, (x, y) in enumerate(zip(this, first)):
        if x != y:
            return f"column {i + 1} is {x[:40]!r}, not {y[:40]!r}"
    return f"{len(this):,} columns, not {len(first):,}"


def table_header(path: Path, fmt: str, sheet: str | None = None) -> list[str]:
    for _, fields in table_records(path, fmt, sheet):
        return fields
    raise InputError(f"{path}: no header")


def sniff_kind(path: Path, fmt: str, encoding: str = "utf-8") -> str:
    """Guess the ingest kind from the first records (for ``relmine ingest auto FILE``)."""
    if fmt in BINARY_TABLES:
        return _kind_of_header(table_header(path, fmt))
    first: list[str] = []
    for _, text in read_lines(path, encoding):
        if text.strip() and not text.startswith("#"):
            first.append(text)
        if len(first) >= 2:
            break
    if not first:
        raise InputError(f"{path}: no data lines")
    if fmt == "jsonl":
        try:
            obj = json.loads(first[0])
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line 1 is not JSON ({exc.msg})") from exc
        return "amazon-meta" if isinstance(obj, dict) and "asin" in obj else "catalog"
    if fmt == "text":
        return "edges"
    delimiter = "\t" if fmt == "tsv" else ","
    return _kind_of_header(next(csv.reader([first[0]], delimiter=delimiter)))


def _kind_of_header(header: list[str]) -> str:
    from relmine.ingest.columns import CATALOG_FIELDS, EDGE_FIELDS, ORDER_FIELDS, match_columns

    mapping = match_columns(header, ORDER_FIELDS)
    if "order" in mapping and "sku" in mapping:
        return "orders"
    mapping = match_columns(header, EDGE_FIELDS)
    if "src" in mapping and "dst" in mapping:
        return "edges"
    if "sku" in match_columns(header, CATALOG_FIELDS):
        return "catalog"
    return "baskets"
