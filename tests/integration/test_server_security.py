"""A scratch local server (own RELMINE_HOME and free ports in a tmp dir), started for real:
its memory settings, its first-start password, its file modes and its environment (issue 10)."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path
from unittest import mock

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, TransientError

from relmine.config import Settings
from relmine.server.launcher import MiB, LocalNeo4j, memory_limits

HEAP = "512m"
PAGECACHE = "48m"
SENTINEL = "sentinel-password-never-in-the-jvm"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    home = tmp_path_factory.mktemp("relmine-scratch-home")
    bolt, http = _free_port(), _free_port()
    while http == bolt:
        http = _free_port()
    env = {
        "RELMINE_HOME": str(home), "RELMINE_BOLT_PORT": str(bolt), "RELMINE_HTTP_PORT": str(http),
        "RELMINE_NEO4J_HEAP": HEAP, "RELMINE_NEO4J_PAGECACHE": PAGECACHE,
        "RELMINE_CACHE": str(Settings.from_env().cache),
    }
    settings = Settings.from_env(env)
    server = LocalNeo4j(settings)
    # An "existing home" with loose modes, as an older relmine or a careless umask left it.
    server.logs_dir.mkdir(parents=True)
    os.chmod(server.home, 0o755)
    os.chmod(server.logs_dir, 0o755)
    stray = server.logs_dir / "old.log"
    stray.write_text("from before\n")
    os.chmod(stray, 0o644)
    # Secrets in the caller's environment must not reach the JVM.
    with mock.patch.dict(os.environ, {"NEO4J_PASSWORD": SENTINEL,
                                      "RELMINE_BROKER_URL": f"amqp://guest:{SENTINEL}@127.0.0.1:5672//"}):
        server.start(timeout=240)
    uri = f"bolt://127.0.0.1:{bolt}"
    password = server.password_file.read_text().strip()
    try:
        yield server, uri, password
    finally:
        server.stop()


def _single(uri: str, password: str, query: str, **params):
    with GraphDatabase.driver(uri, auth=("neo4j", password)) as drv:
        with drv.session(database="system" if query.startswith("SHOW") else "neo4j") as session:
            return session.run(query, **params).single()


def test_default_credentials_are_refused_and_the_generated_password_works(scratch):
    server, uri, password = scratch
    with GraphDatabase.driver(uri, auth=("neo4j", "neo4j")) as drv:
        with pytest.raises(AuthError):
            drv.verify_connectivity()
    assert password and password != "neo4j"
    assert stat.S_IMODE(server.password_file.stat().st_mode) == 0o600
    assert _single(uri, password, "RETURN 1 AS one")["one"] == 1


def test_jvm_max_heap_equals_the_setting(scratch):
    _, uri, password = scratch
    row = _single(uri, password,
                  'CALL dbms.queryJmx("java.lang:type=Memory") YIELD attributes '
                  "RETURN attributes.HeapMemoryUsage.value.properties.max AS max")
    assert row["max"] == 512 * MiB


def test_page_cache_and_transaction_limits_are_applied(scratch):
    server, uri, password = scratch
    limits = memory_limits(server.settings)
    with GraphDatabase.driver(uri, auth=("neo4j", password)) as drv:
        records, _, _ = drv.execute_query(
            "SHOW SETTINGS YIELD name, value WHERE name IN $names RETURN name, value",
            names=["server.memory.pagecache.size", "db.memory.transaction.max",
                   "db.memory.transaction.total.max", "dbms.memory.transaction.total.max"],
            database_="system")
    values = {r["name"]: r["value"] for r in records}
    assert values["server.memory.pagecache.size"] == "48.00MiB", values
    assert values["db.memory.transaction.max"] == f"{limits.tx_one // MiB}.00MiB", values
    assert values["db.memory.transaction.total.max"] == f"{limits.tx_total // MiB}.00MiB", values
    assert values["dbms.memory.transaction.total.max"] == f"{limits.tx_total // MiB}.00MiB", values
    # The server sized its page cache from the setting (its own start-up diagnostics).
    debug = (server.logs_dir / "debug.log").read_text(errors="replace")
    assert "server.memory.pagecache.size=48.00MiB" in debug


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/<pid>/status")


def test_runaway_query_fails_with_the_memory_limit_error(scratch):
    server, uri, password = scratch
    with GraphDatabase.driver(uri, auth=("neo4j", password)) as drv:
        with drv.session() as session:  # auto-commit: the driver does not retry it
            with pytest.raises(TransientError) as info:
                session.run("UNWIND range(1, 200000000) AS x RETURN size(collect(toString(x))) AS n").consume()
    assert info.value.code == "Neo.TransientError.General.MemoryPoolOutOfMemoryError", info.value.code
    # The server is still there and answers, and it did not grow past heap + page cache + 1 GiB
    # of JVM overhead (metaspace, code cache, threads); unbounded, this query took gigabytes.
    assert _single(uri, password, "RETURN 2 AS two")["two"] == 2
    limits = memory_limits(server.settings)
    peak = _peak_rss(server.status().pid)
    print(f"JVM peak RSS after the runaway query: {peak / MiB:.0f} MiB")
    assert peak < limits.heap + limits.pagecache + 1024 * MiB, peak


def test_store_files_are_private(scratch):
    server, _, _ = scratch
    loose = []
    for dirpath, dirnames, filenames in os.walk(server.home):
        for name in dirnames:
            p = Path(dirpath, name)
            if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) != 0o700:
                loose.append((str(p), oct(stat.S_IMODE(p.stat().st_mode))))
        for name in filenames:
            p = Path(dirpath, name)
            if p.is_file() and not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) != 0o600:
                loose.append((str(p), oct(stat.S_IMODE(p.stat().st_mode))))
    assert stat.S_IMODE(server.home.stat().st_mode) == 0o700
    assert any(Path(server.data_dir, "databases", "neo4j").iterdir())  # there are store files to check
    assert loose == []


def test_jvm_environment_has_no_secrets(scratch):
    server, _, _ = scratch
    pid = server.status().pid
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    names = {e.split(b"=", 1)[0].decode() for e in environ if e}
    assert "NEO4J_HOME" in names  # we read the right process
    assert "NEO4J_PASSWORD" not in names and "RELMINE_BROKER_URL" not in names
    assert SENTINEL.encode() not in b"\0".join(environ)
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    assert b"-Xmx512m" in cmdline and b"-Xms512m" in cmdline


def test_runaway_query_through_the_gateway_is_not_retried(scratch):
    """The gateway's retried transaction functions hand a memory-limit error back at once as a
    QueryError: retrying the same statement cannot need less memory."""
    from relmine.errors import QueryError
    from relmine.gateway import MEMORY_ERROR, Gateway, Statement

    server, uri, password = scratch
    runaway = Statement("UNWIND range(1, 200000000) AS x RETURN size(collect(toString(x))) AS n", "runaway")
    gw = Gateway(server.settings.with_(neo4j_uri=uri, neo4j_password_env=password), app="relmine-tests")
    attempts = []
    original = gw._driver.session  # noqa: SLF001 (count the transactions the driver really starts)

    def counting_session(*args, **kwargs):
        session = original(*args, **kwargs)
        begin = session._open_transaction  # noqa: SLF001

        def counted(*a, **kw):
            attempts.append(1)
            return begin(*a, **kw)

        session._open_transaction = counted  # noqa: SLF001
        return session

    try:
        with mock.patch.object(gw._driver, "session", counting_session):  # noqa: SLF001
            with pytest.raises(QueryError, match=MEMORY_ERROR):
                gw.read(runaway)
    finally:
        gw.close()
    assert len(attempts) == 1, f"the driver ran the runaway statement {len(attempts)} times"
