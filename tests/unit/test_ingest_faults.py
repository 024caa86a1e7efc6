"""Ingest faults without a server (issue 29, items 3 and 6): folders that cannot be written and a full
disk give one line naming the path and the setting, checked before anything is written; header errors
stay short; UTF-16/32 files are named and read with ``--encoding``; an existing file is never "missing".

Root ignores permission bits, so an unwritable folder is made real with a path under a file (ENOTDIR)
and simulated with :class:`tests.fulldisk.Forbidden` (EACCES) and :class:`tests.fulldisk.FullDisk`
(ENOSPC) standing in for ``open`` in the modules that write.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from relmine.errors import InputError
from relmine.ingest import textio
from relmine.ingest.folders import FolderError, check_folder, check_space, rejects_place, spill_place
from relmine.ingest.options import IngestOptions
from relmine.ingest.parsed import Counts, RejectLog
from relmine.ingest.pairs import PairCounter
from relmine.ingest.load import ingest_file
from relmine.ingest.spill import OrderBuckets, scratch
from relmine.ingest.textio import check_input, read_lines, sniff_wide
from tests.fulldisk import Forbidden, FullDisk
from tests.unit.test_ingest_readers import read

ORDERS = "order,sku,qty\n" + "".join(f"O{i},P{i % 7},{1 + i % 3}\n" for i in range(40))


def one_line(message: str) -> bool:
    return "\n" not in message and "Traceback" not in message


# -- header errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, opts", [("orders", {}), ("catalog", {}), ("edges", {"columns": {"type": "column_3"}}),
                                        ("catalog", {"columns": {"sku": "nope"}})])
def test_a_10000_column_header_error_names_a_few_columns_and_the_count(tmp_path, kind, opts):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"column_{i}" for i in range(10_000)) + "\n" + ",".join("x" * 10_000) + "\n")
    with pytest.raises(InputError) as caught:
        read(path, kind, **opts)
    message = str(caught.value)
    assert len(message) < 300, message  # was 149,008 characters for this header
    assert "10,000 columns" in message and "'column_0'" in message and "'column_9999'" in message
    assert message.count("'column_") <= 6


def test_a_short_header_is_shown_whole(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("name,price\nLamp,3\n")
    with pytest.raises(InputError, match=r"missing column\(s\) for sku; the header has 2 columns: 'name', 'price'\."):
        read(path, "catalog")


def test_a_very_long_column_name_is_cut(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("n" * 5_000 + ",price\nLamp,3\n")
    with pytest.raises(InputError) as caught:
        read(path, "catalog")
    assert len(str(caught.value)) < 250


# -- UTF-16 and UTF-32 ---------------------------------------------------------------------------------------------
TEXT = "order,sku,qty,title\r\nO1,A,1,Café crème\r\nO1,B,2,日本語\r\nO2,A,3,plain\r\n"
WIDE = [("utf-16", "utf-16", True, "utf-16"), ("utf-16-le", "utf-16", False, "utf-16-le"),
        ("utf-16-be", "utf-16", False, "utf-16-be"), ("utf-32", "utf-32", True, "utf-32"),
        ("utf-32-le", "utf-32", False, "utf-32-le"), ("utf-32-be", "utf-32", False, "utf-32-be")]


@pytest.mark.parametrize("encoding, family, bom, option", WIDE)
def test_utf16_and_utf32_are_recognised_and_named(encoding, family, bom, option):
    found = sniff_wide(TEXT.encode(encoding))
    assert found is not None and found[0] == family and found[2] is bom


@pytest.mark.parametrize("data", [TEXT.encode("utf-8"), TEXT.encode("latin-1", "replace"), bytes(range(256)) * 8,
                                  b"sku,title\nA1,ok\n\x00\x01\x02\xff\xfe binary", b""])
def test_other_bytes_are_not_taken_for_utf16(data):
    assert sniff_wide(data) is None


@pytest.mark.parametrize("encoding, family, bom, option", WIDE)
@pytest.mark.parametrize("gz", [False, True])
def test_a_wide_file_read_as_utf8_says_what_to_pass_and_reads_with_it(tmp_path, monkeypatch, encoding, family,
                                                                      bom, option, gz):
    path = tmp_path / ("o.csv.gz" if gz else "o.csv")
    data = TEXT.encode(encoding)
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(InputError) as caught:
        list(read_lines(path))
    message = str(caught.value)
    assert f"the file is {family.upper()} text" in message and f"pass --encoding {option} " in message
    assert "iconv -f UTF-" in message and "binary" not in message and one_line(message)
    monkeypatch.setattr(textio, "CHUNK", 7)  # blocks end inside characters and inside the BOM
    assert [t for _, t in read_lines(path, option)] == [t for _, t in _utf8_lines(tmp_path, TEXT)]


def _utf8_lines(tmp_path: Path, text: str):
    plain = tmp_path / "plain.csv"
    plain.write_text(text, encoding="utf-8", newline="")
    return list(read_lines(plain))


def test_a_utf16_orders_file_reads_like_its_utf8_copy(tmp_path):
    wide = tmp_path / "o16.csv"
    wide.write_bytes(ORDERS.encode("utf-16"))
    plain = tmp_path / "o8.csv"
    plain.write_text(ORDERS)
    a, _ = read(wide, "orders", encoding="utf-16")
    b, _ = read(plain, "orders")
    assert a.orders == b.orders and a.counts.accepted == b.counts.accepted == 40


def test_bad_bytes_in_utf16_name_their_line_and_column(tmp_path, monkeypatch):
    path = tmp_path / "bad16.csv"
    good = "sku,title\nA1,ok\n".encode("utf-16-le")
    path.write_bytes(good + "A2,x".encode("utf-16-le") + b"\x00\xdc" + "y\n".encode("utf-16-le"))  # lone surrogate
    for chunk in (1 << 22, 5):
        monkeypatch.setattr(textio, "CHUNK", chunk)
        with pytest.raises(InputError, match=r"line 3 is not valid utf-16-le \(bytes .* at column 5\)"):
            list(read_lines(path, "utf-16-le"))


def test_nul_characters_in_utf16_are_binary(tmp_path):
    path = tmp_path / "nul16.csv"
    path.write_bytes("sku\nA\x00B\n".encode("utf-16"))
    with pytest.raises(InputError, match="line 2 holds NUL characters"):
        list(read_lines(path, "utf-16"))


def test_a_utf8_file_with_a_bom_still_reads(tmp_path):
    path = tmp_path / "bom8.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"sku\nA\n")
    assert [t for _, t in read_lines(path)] == ["sku\n", "A\n"]


# -- inputs that exist but are no regular file ---------------------------------------------------------------------
def test_existing_paths_are_never_called_missing(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # stat only: opening it would wait for a writer
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    cases = {
        Path(os.devnull): "is the null device: it reads as empty",
        empty: "empty file (0 bytes): nothing to ingest",
        fifo: "is a named pipe (FIFO), not a regular file",
        tmp_path: "is a folder, not a file",
        tmp_path / "absent.csv": "no such file",
        blocker / "x.csv": "no such file (a part of the path is a file, not a folder)",
    }
    for path, message in cases.items():
        with pytest.raises(InputError) as caught:
            check_input(path)
        assert message in str(caught.value) and one_line(str(caught.value))
        assert ("no such file" in str(caught.value)) == (not path.exists()), path
    check_input(empty, empty_ok=True)
    for path in (Path(os.devnull), fifo):  # the readers say the same (a FIFO no longer blocks the reader)
        with pytest.raises(InputError, match="not a regular file|null device"):
            list(read_lines(path))


# -- folders -------------------------------------------------------------------------------------------------------
def test_a_folder_under_a_file_names_the_file_and_the_setting(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(FolderError) as caught:
        check_folder(blocker / "home" / "rejects", rejects_place(blocker / "home" / "rejects" / "r.csv", default=True))
    assert str(caught.value) == (f"cannot write rejected rows to {blocker}/home/rejects/r.csv: {blocker} is a file, "
                                 "not a folder; set RELMINE_HOME to a writable folder or pass --rejects FILE")
    with pytest.raises(FolderError, match=f"{blocker} is a file, not a folder; set RELMINE_HOME"):
        with scratch(blocker / "home"):
            pass


def test_a_folder_that_refuses_writes_is_one_line(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "r" / ".relmine-check-x"))

    monkeypatch.setattr("relmine.ingest.folders.tempfile.mkstemp", refuse)
    with pytest.raises(FolderError) as caught:
        check_folder(tmp_path / "r", rejects_place(tmp_path / "r" / "x.csv", default=False))
    assert str(caught.value) == (f"cannot write rejected rows to {tmp_path}/r/x.csv: permission denied; "
                                 "pass --rejects a file in a writable folder")


def test_a_full_disk_is_seen_before_a_chunked_read(tmp_path, monkeypatch):
    monkeypatch.setattr("relmine.ingest.folders.shutil.disk_usage", lambda p: SimpleNamespace(free=1 << 20))
    with pytest.raises(FolderError, match=r"to .*/spill: reading o.csv \(50.0 MB\) in chunks needs about 50.0 MB "
                                          r"there and 1.0 MB is free; free space there or set RELMINE_HOME"):
        check_space(tmp_path, 50 << 20, spill_place(tmp_path / "spill" / "ingest-1-x"),
                    "reading o.csv (50.0 MB) in chunks")
    check_space(tmp_path, 1 << 20, spill_place(tmp_path / "spill"), "enough")


def test_the_rejects_writer_on_a_full_disk(tmp_path, monkeypatch):
    disk = FullDisk(free=100).install(monkeypatch, "relmine.ingest.parsed")
    log = RejectLog(tmp_path / "r.csv", Counts(), rejects_place(tmp_path / "r.csv", default=True))
    with pytest.raises(FolderError) as caught:
        for i in range(10_000):  # buffered: the disk fills when the buffer is written
            log.reject(i, "bad", "x" * 50)
        log.close()
    assert disk.raised and str(caught.value) == (
        f"cannot write rejected rows to {tmp_path}/r.csv: no space left on the device; free space there, set "
        "RELMINE_HOME to a folder on another disk or pass --rejects FILE")


def test_the_rejects_writer_in_a_forbidden_folder(tmp_path, monkeypatch):
    Forbidden().install(monkeypatch, "relmine.ingest.parsed")
    log = RejectLog(tmp_path / "r.csv", Counts())
    with pytest.raises(FolderError, match=r"r.csv: permission denied; pass --rejects a file in a writable folder$"):
        log.reject(2, "bad", "x")


def test_spill_and_pair_files_on_a_full_disk_name_the_spill_folder(tmp_path, monkeypatch):
    FullDisk(free=1_000).install(monkeypatch, "relmine.ingest.spill", "relmine.ingest.pairs")
    work = tmp_path / "home" / "spill" / "ingest-1-abc"
    buckets = OrderBuckets(work / "orders", 4)
    expected = (f"cannot write ingest scratch files to {tmp_path}/home/spill: no space left on the device; free "
                "space there or set RELMINE_HOME to a folder on another disk")
    with pytest.raises(FolderError) as caught:
        for i in range(100_000):
            buckets.add(i, f"O{i}", "A", 1, {}, False)
    assert str(caught.value) == expected
    FullDisk(free=0).install(monkeypatch, "relmine.ingest.pairs")
    counter = PairCounter(["a", "b", "c"], work / "pairs", 2)
    counter.add(np.array([0, 1, 2]))
    with pytest.raises(FolderError) as caught:
        list(counter.partitions())
    assert str(caught.value) == expected


# -- ingest_file: checked before anything is written ----------------------------------------------------------------
class WriteNothing:
    """A gateway that knows no source and fails the test on any write."""

    def __init__(self):
        self.writes = []

    def read_one(self, name, params=None):
        return None

    def read(self, name, params=None):
        return []

    def write(self, name, params=None):
        self.writes.append(name)
        raise AssertionError(f"{name} was written")


def _orders_file(tmp_path: Path, n: int = 3_000) -> Path:
    """Orders of three lines; every tenth line rejected (a quantity that is no number)."""
    path = tmp_path / "orders.csv"
    path.write_text("order,sku,qty\n" + "".join(f"O{i // 3},P{i % 50},{'bad' if i % 10 == 9 else 1}\n"
                                                for i in range(n)))
    return path


def test_rejects_under_a_file_stop_before_reading(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    gw = WriteNothing()
    with pytest.raises(FolderError, match=f"to {blocker}/r.csv: {blocker} is a file, not a folder; pass --rejects"):
        ingest_file(gw, _orders_file(tmp_path), IngestOptions(kind="orders", progress=False,
                                                              rejects_path=blocker / "r.csv"),
                    rejects_dir=tmp_path / "home" / "rejects")
    assert gw.writes == []
    assert list((tmp_path / "home" / "spill").iterdir()) == []  # the scratch folder is gone


def test_a_rejects_path_that_is_a_folder(tmp_path):
    (tmp_path / "r.csv").mkdir()
    with pytest.raises(FolderError, match="r.csv: it is a folder; pass --rejects a file in a writable folder"):
        ingest_file(WriteNothing(), _orders_file(tmp_path), IngestOptions(kind="orders", progress=False,
                                                                          rejects_path=tmp_path / "r.csv"),
                    rejects_dir=tmp_path / "home" / "rejects")


@pytest.mark.parametrize("module", ["relmine.ingest.spill", "relmine.ingest.parsed"])
def test_a_disk_full_while_reading_writes_nothing_to_the_graph(tmp_path, monkeypatch, module):
    FullDisk(free=2_000).install(monkeypatch, module)
    gw = WriteNothing()
    with pytest.raises(FolderError) as caught:
        ingest_file(gw, _orders_file(tmp_path, 30_000), IngestOptions(kind="orders", progress=False, chunk_mb=0.05,
                                                                      max_rejects=100_000, max_reject_rate=1),
                    rejects_dir=tmp_path / "home" / "rejects")
    message = str(caught.value)
    assert one_line(message) and "no space left on the device" in message
    assert message.endswith(". Nothing was written to the graph") and gw.writes == []
    where = "home/spill" if module.endswith("spill") else "home/rejects/orders.csv."
    assert f"to {tmp_path}/{where}" in message
    assert list((tmp_path / "home" / "spill").iterdir()) == []
