"""Ingest faults against a real Neo4j (issue 29, items 3 and 6; part of the fault suite beside
``test_faults.py``): folders that cannot be written and a full disk give one line naming the path and
the setting to change, with nothing written; a full disk in the middle of the writing leaves a source
that the same command resumes to exactly a clean ingest's graph; the messages of a 10,000-column
header, a UTF-16/32 file and an existing file that is no regular file.

How each fault is made (the tests run as root, which ignores permission bits):

* a folder under a file (ENOTDIR): real, always;
* a read-only folder (EROFS): a real read-only bind mount where the test may mount (root with
  CAP_SYS_ADMIN), skipped elsewhere;
* a full disk: a real 1 MiB tmpfs as ``RELMINE_HOME`` where the test may mount (the free-space check
  refuses before reading); and ``ENOSPC`` from :class:`tests.fulldisk.FullDisk`, a test double of the
  scratch writers, in the read phase and after the orders are committed;
* permission denied (EACCES): :class:`tests.fulldisk.Forbidden`, a test double of the rejects writer.

Process-level cases run ``relmine ingest`` as a child process (its whole output is checked for one line
and no traceback); the doubles need the command in this process (click's ``CliRunner``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from relmine.ingest.generate import GeneratorSpec, generate
from relmine.ingest.spill import bucket_count
from tests.conftest import wipe
from tests.fulldisk import Forbidden, FullDisk
from tests.integration.ingest_helpers import child_env, fingerprint, one, source

pytestmark = pytest.mark.integration

BATCH = 100
CHUNK_MB = 0.02


@pytest.fixture
def gw(clean_graph):
    wipe(clean_graph)
    return clean_graph


@pytest.fixture(scope="module")
def orders(tmp_path_factory) -> Path:
    """Generated orders in several chunks at ``CHUNK_MB``, with a few lines that are rejected."""
    out = tmp_path_factory.mktemp("faults")
    generate(GeneratorSpec(products=150, orders=1_500, seed=5), out)
    path = out / "orders.csv"
    with open(path, "a") as fh:
        fh.write("".join(f"BAD{i},P{i},not-a-number,2024-01-01T10:00:00,C1\n" for i in range(5)))
    assert bucket_count(path, "csv", CHUNK_MB) >= 4
    return path


@pytest.fixture(scope="module")
def clean(clean_graph, neo4j_settings, orders, tmp_path_factory) -> dict:
    """The graph of one uninterrupted ingest of ``orders``."""
    wipe(clean_graph)
    result = _invoke(neo4j_settings, tmp_path_factory.mktemp("clean"), orders)
    assert result.exit_code == 0, result.output
    graph = fingerprint(clean_graph)
    wipe(clean_graph)
    assert graph["types"]["CO_PURCHASED"] > 100 and graph["labels"]["Order"] > 1_000
    return graph


def _invoke(settings, home: Path, path: Path, *extra: str):
    """``relmine ingest orders PATH`` in this process (for the test doubles), ``home`` as RELMINE_HOME."""
    args = ["ingest", "orders", str(path), "--batch-size", str(BATCH), "--chunk-mb", str(CHUNK_MB), "--no-progress",
            *extra]
    return CliRunner().invoke(cli, args, obj={"settings": settings.with_(home=home)}, catch_exceptions=False)


def _child(settings, home: Path, *args: str) -> subprocess.CompletedProcess:
    """``relmine ARGS`` as a child process with ``home`` as RELMINE_HOME."""
    env = {**child_env(settings), "RELMINE_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "relmine.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def _one_line_error(text: str) -> str:
    """The single line of a failed command's output (click's ``Error: ...``); fails on anything else."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in text, text
    return lines[0]


def _empty(gw) -> bool:
    return one(gw, "MATCH (n) RETURN count(n)") == 0


@contextmanager
def _mounted(kind: str, folder: Path, *options: str):
    """A read-only bind mount of ``folder`` onto itself, or a tmpfs on it; skips where mounting is refused."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "ro":
        steps = [["mount", "--bind", str(folder), str(folder)],
                 ["mount", "-o", "remount,bind,ro", str(folder), str(folder)]]
    else:
        steps = [["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(folder)]]
    done = 0
    try:
        for step in steps:
            if subprocess.run(step, capture_output=True).returncode != 0:
                pytest.skip(f"cannot mount here ({' '.join(step)}): needs root with CAP_SYS_ADMIN")
            done += 1
        yield folder
    finally:
        if done:
            subprocess.run(["umount", str(folder)], check=True)


# -- the rejects folder ----------------------------------------------------------------------------------------------
def test_rejects_under_a_file_is_one_line_and_nothing_is_written(gw, neo4j_settings, orders, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    rejects = blocker / "rejects.csv"
    result = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", str(orders), "--no-progress",
                    "--rejects", str(rejects))
    assert result.returncode == 1
    assert _one_line_error(result.stdout + result.stderr) == (
        f"Error: cannot write rejected rows to {rejects}: {blocker} is a file, not a folder; "
        "pass --rejects a file in a writable folder")
    assert _empty(gw)


def test_a_read_only_rejects_folder_is_one_line_and_nothing_is_written(gw, neo4j_settings, orders, tmp_path):
    with _mounted("ro", tmp_path / "ro") as folder:
        result = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", str(orders), "--no-progress",
                        "--rejects", str(folder / "rejects.csv"))
    assert result.returncode == 1
    assert _one_line_error(result.stdout + result.stderr) == (
        f"Error: cannot write rejected rows to {folder}/rejects.csv: read-only file system; "
        "pass --rejects a file in a writable folder")
    assert _empty(gw)


def test_a_rejects_writer_refused_permission_is_one_line(gw, neo4j_settings, orders, tmp_path, monkeypatch):
    """EACCES from a test double of the rejects writer (root passes the permission check up front)."""
    forbidden = Forbidden().install(monkeypatch, "relmine.ingest.parsed")
    result = _invoke(neo4j_settings, tmp_path / "home", orders)
    assert result.exit_code == 1 and forbidden.raised == 1
    line = _one_line_error(result.output)
    assert line.startswith(f"Error: cannot write rejected rows to {tmp_path}/home/rejects/orders.csv.")
    assert line.endswith(": permission denied; set RELMINE_HOME to a writable folder or pass --rejects FILE. "
                         "Nothing was written to the graph")
    assert _empty(gw)
    monkeypatch.undo()
    again = _invoke(neo4j_settings, tmp_path / "home", orders)
    assert again.exit_code == 0, again.output


# -- RELMINE_HOME ------------------------------------------------------------------------------------------------------
def test_a_home_under_a_file_is_one_line_then_another_home_works(gw, neo4j_settings, orders, clean, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    home = blocker / "home"
    result = _child(neo4j_settings, home, "ingest", "orders", str(orders), "--no-progress",
                    "--batch-size", str(BATCH), "--chunk-mb", str(CHUNK_MB))
    assert result.returncode == 1
    assert _one_line_error(result.stdout + result.stderr) == (
        f"Error: cannot write ingest scratch files to {home}/spill: {blocker} is a file, not a folder; "
        "set RELMINE_HOME to a writable folder")
    assert _empty(gw)
    ok = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", str(orders), "--no-progress",
                "--batch-size", str(BATCH), "--chunk-mb", str(CHUNK_MB))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert fingerprint(gw) == clean


def test_a_read_only_home_is_one_line(gw, neo4j_settings, orders, tmp_path):
    with _mounted("ro", tmp_path / "home") as home:
        result = _child(neo4j_settings, home, "ingest", "orders", str(orders), "--no-progress")
    assert result.returncode == 1
    assert _one_line_error(result.stdout + result.stderr) == (
        f"Error: cannot write ingest scratch files to {home}/spill: read-only file system; "
        "set RELMINE_HOME to a writable folder")
    assert _empty(gw)


def test_a_home_on_a_full_disk_is_refused_before_reading(gw, neo4j_settings, orders, tmp_path):
    assert orders.stat().st_size > 128 << 10
    with _mounted("tmpfs", tmp_path / "home", "size=64k") as home:  # a disk smaller than the order file
        result = _child(neo4j_settings, home, "ingest", "orders", str(orders), "--no-progress",
                        "--batch-size", str(BATCH), "--chunk-mb", str(CHUNK_MB))
    assert result.returncode == 1
    line = _one_line_error(result.stdout + result.stderr)
    assert line.startswith(f"Error: cannot write ingest scratch files to {home}/spill: reading orders.csv (")
    assert line.endswith("MB is free; free space there or set RELMINE_HOME to a folder on another disk")
    assert _empty(gw)


# -- a full disk while ingesting -----------------------------------------------------------------------------------
def test_a_full_disk_while_reading_writes_nothing_and_the_rerun_is_clean(gw, neo4j_settings, orders, clean, tmp_path,
                                                                        monkeypatch):
    disk = FullDisk(free=20_000).install(monkeypatch, "relmine.ingest.spill")
    result = _invoke(neo4j_settings, tmp_path / "home", orders)
    assert result.exit_code == 1 and disk.raised == 1
    assert _one_line_error(result.output) == (
        f"Error: cannot write ingest scratch files to {tmp_path}/home/spill: no space left on the device; free space "
        "there or set RELMINE_HOME to a folder on another disk. Nothing was written to the graph")
    assert _empty(gw)
    assert list((tmp_path / "home" / "spill").iterdir()) == []  # the scratch folder went with the run
    monkeypatch.undo()
    again = _invoke(neo4j_settings, tmp_path / "home", orders)
    assert again.exit_code == 0, again.output
    assert fingerprint(gw) == clean


def test_a_full_disk_after_the_orders_resumes_to_a_clean_graph(gw, neo4j_settings, orders, clean, tmp_path,
                                                               monkeypatch):
    """ENOSPC from the co-purchase pair files, after every order batch has committed: the source is
    failed with its cursor there, and the same command resumes it with no order or count twice."""
    disk = FullDisk(free=0).install(monkeypatch, "relmine.ingest.pairs")
    result = _invoke(neo4j_settings, tmp_path / "home", orders)
    assert result.exit_code == 1 and disk.raised == 1
    failed = source(gw, orders.name)
    assert failed["status"] == "failed" and failed["phase"] == "orders" and failed["cursor"] > 3
    line = _one_line_error(result.output)
    assert line == (
        f"Error: orders.csv: writing stopped (cannot write ingest scratch files to {tmp_path}/home/spill: no space "
        "left on the device; free space there or set RELMINE_HOME to a folder on another disk). Source "
        f"{line.split('Source ')[1][:12]} is marked failed; run the same command again to resume after batch "
        f"{failed['cursor']}")
    half = fingerprint(gw)
    assert half["labels"]["Order"] == clean["labels"]["Order"] and "CO_PURCHASED" not in half["types"]
    monkeypatch.undo()
    again = _invoke(neo4j_settings, tmp_path / "home", orders)
    assert again.exit_code == 0, again.output
    assert f"resumed after batch {failed['cursor']} of an interrupted run" in again.output
    assert fingerprint(gw) == clean  # no duplicates: every count as in one clean run
    assert source(gw, orders.name)["status"] == "done"


# -- messages ------------------------------------------------------------------------------------------------------
def test_a_10000_column_header_error_is_short(gw, neo4j_settings, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"column_{i}" for i in range(10_000)) + "\n" + ",".join("x" * 10_000) + "\n")
    result = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", str(path), "--no-progress")
    assert result.returncode == 1
    assert _one_line_error(result.stdout + result.stderr) == (
        f"Error: {path}: missing column(s) for order, sku; the header has 10,000 columns: 'column_0', 'column_1', "
        "'column_2', 'column_3', 'column_4', … 'column_9999'. Map them with --col FIELD=COLUMN or --mapping FILE")
    assert _empty(gw)


@pytest.mark.parametrize("encoding, named, option", [
    ("utf-16", "UTF-16 text (little-endian, with a byte order mark)", "utf-16"),
    ("utf-16-be", "UTF-16 text (big-endian, no byte order mark)", "utf-16-be"),
    ("utf-32", "UTF-32 text (little-endian, with a byte order mark)", "utf-32"),
])
def test_a_wide_file_is_named_then_reads_like_its_utf8_copy(gw, neo4j_settings, orders, tmp_path, encoding, named,
                                                            option):
    text = "".join(orders.read_text().splitlines(keepends=True)[:400]).replace(",C1", ",Çé1")
    plain = tmp_path / "plain.csv"
    plain.write_text(text, encoding="utf-8")
    wide = tmp_path / f"{encoding}.csv"
    wide.write_bytes(text.encode(encoding))
    result = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", str(wide), "--no-progress")
    assert result.returncode == 1
    assert _one_line_error(result.stdout + result.stderr) == (
        f"Error: {wide}: the file is {named}, not utf-8: pass --encoding {option} "
        f"(or convert it: iconv -f {option.upper().replace('-BE', 'BE')} -t UTF-8)")
    assert _empty(gw)
    ok = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", str(wide), "--encoding", option,
                "--no-progress")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    got = fingerprint(gw)
    wipe(gw)
    ok = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", str(plain), "--no-progress")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert got == fingerprint(gw) and got["labels"]["Order"] > 50


def test_existing_paths_that_are_no_file_are_never_called_missing(gw, neo4j_settings, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    cases = [
        (["--format", "csv", os.devnull],
         f"Error: {os.devnull} is the null device: it reads as empty, so there is nothing to ingest"),
        ([str(empty)], f"Error: {empty}: empty file (0 bytes): nothing to ingest"),
        ([str(fifo)], f"Error: {fifo} is a named pipe (FIFO), not a regular file: relmine reads a file twice "
                      "(a checksum names the source, then the rows); save the data to a file first"),
    ]
    for args, message in cases:
        result = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", *args, "--no-progress")
        assert result.returncode == 1 and _one_line_error(result.stdout + result.stderr) == message
    result = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", str(folder), "--no-progress")
    assert result.returncode == 2 and f"File '{folder}' is a directory." in result.stderr  # click's usage error
    missing = _child(neo4j_settings, tmp_path / "home", "ingest", "orders", str(tmp_path / "absent.csv"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert _empty(gw)
