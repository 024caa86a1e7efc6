"""Reading input files: ``.gz`` transparently, strict decoding with line numbers, format and kind sniffing."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import json
import sys
import zlib
from pathlib import Path
from typing import IO, Iterator

from relmine.errors import InputError

FORMATS = ("csv", "tsv", "jsonl", "text")
_EXT = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".json": "jsonl",
        ".ndjson": "jsonl", ".txt": "text", ".edges": "text", ".snap": "text"}

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


def _open_binary(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
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
    4 MiB blocks cut at a line end and decodes each block at once.
    """
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputError(f"unknown encoding {encoding!r}") from exc
    if codec.startswith(("utf-16", "utf-32")):
        raise InputError(f"encoding {encoding} is not supported (NUL bytes, multi-byte line ends); convert the "
                         f"file first, e.g. iconv -f {encoding} -t utf-8")
    n = 0
    try:
        with _open_binary(path) as f:
            rest = b""
            while True:
                block = f.read(CHUNK)
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


def sniff_kind(path: Path, fmt: str, encoding: str = "utf-8") -> str:
    """Guess the ingest kind from the first records (for ``relmine ingest auto FILE``)."""
    from relmine.ingest.columns import ORDER_FIELDS, EDGE_FIELDS, match_columns

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
    header = next(csv.reader([first[0]], delimiter=delimiter))
    mapping = match_columns(header, ORDER_FIELDS)
    if "order" in mapping and "sku" in mapping:
        return "orders"
    mapping = match_columns(header, EDGE_FIELDS)
    if "src" in mapping and "dst" in mapping:
        return "edges"
    from relmine.ingest.columns import CATALOG_FIELDS

    if "sku" in match_columns(header, CATALOG_FIELDS):
        return "catalog"
    return "baskets"
