"""Assemble, configure, start and stop a real Neo4j 5.26 Community server with GDS.

The jars come from Maven Central through Maven (``pom.xml`` beside this file)
and are cached under ``$RELMINE_CACHE/neo4j-<version>/``; the server's state
(conf, data, logs, pid, the generated password) lives under
``$RELMINE_HOME/neo4j/``. The server is started the way Neo4j's own launcher
does it (``org.neo4j.server.CommunityEntryPoint`` with the JVM flags of the
standard launcher), in its own process session, so it outlives the command.

Memory: run this way, ``server.memory.heap.*`` in ``neo4j.conf`` is not turned into JVM
flags (Neo4j's shell launcher does that), so the heap is given as ``-Xms``/``-Xmx`` on the
``java`` command line; the page cache (``server.memory.pagecache.size``) is read by the
server from ``neo4j.conf``. Transactions are capped from the heap (:func:`memory_limits`):
a runaway query fails with ``Neo.TransientError.General.MemoryPoolOutOfMemoryError``
instead of growing the server.

Security: the initial password is written before the first start with Neo4j's own admin
command (``org.neo4j.cli.AdminTool dbms set-initial-password``, which writes
``data/dbms/auth.ini``), so the server never accepts ``neo4j/neo4j``; the password reaches it
through an ``@file`` argument (picocli), never on a command line. The JVMs get a short,
whitelisted environment (no ``NEO4J_PASSWORD``, broker URL or other secrets), run with
umask 077, and the server's folders are made 0700 and its files 0600 at every start.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from relmine.config import Settings, read_secret_file
from relmine.errors import ConfigError, GraphUnavailable, RelmineError

NEO4J_VERSION = "5.26.30"
GDS_VERSION = "2.13.9"
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS = "org.neo4j.cli.AdminTool"

MiB = 1024 * 1024
# Transaction memory, as fractions of the heap: all transactions together (Neo4j's own default
# for dbms.memory.transaction.total.max is 70 % of the heap) and any one transaction.
TX_TOTAL_FRACTION = 0.7
TX_ONE_FRACTION = 0.5
MIN_HEAP = 256 * MiB
# Only these variables reach the JVM (no NEO4J_PASSWORD, broker URLs, tokens, cloud keys...).
JVM_ENV_KEEP = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "JAVA_HOME")
_MEMORY = re.compile(r"^\s*(\d+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_PLAIN_PASSWORD = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.~+=-]{7,}$")

# The flags Neo4j's own launcher passes (server.jvm.additional of the stock neo4j.conf).
JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+AlwaysPreTouch",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
]


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    bolt_uri: str
    http_url: str
    answering: bool
    home: Path

    def describe(self) -> str:
        if not self.running:
            return f"Neo4j is not running (home {self.home})"
        state = "answering" if self.answering else "starting"
        return f"Neo4j {NEO4J_VERSION} running, pid {self.pid}, {state} at {self.bolt_uri} (browser {self.http_url}/browser/)"


def _log(msg: str) -> None:
    print(f"[relmine neo4j] {msg}", file=sys.stderr, flush=True)


def _jar_key(filename: str) -> str:
    """``org.slf4j.slf4j-api-2.0.9.jar`` -> ``org.slf4j.slf4j-api`` (group-prefixed names)."""
    return re.sub(r"-\d[^-]*(-[A-Za-z0-9.]+)?\.jar$", "", filename)


def parse_memory(value: str, variable: str) -> int:
    """``"1g"`` -> bytes; anything but digits and one unit (k, m, g, t) is refused, naming the variable."""
    m = _MEMORY.match(value or "")
    if not m:
        raise ConfigError(f"{variable}={value!r} is not a size like 512m or 4g")
    return int(m.group(1)) * 1024 ** "bkmgt".index((m.group(2) or "b").lower())


@dataclass(frozen=True)
class MemoryLimits:
    heap: int
    pagecache: int
    tx_total: int
    tx_one: int

    def conf_lines(self) -> list[str]:
        mib = lambda n: f"{n // MiB}m"  # noqa: E731
        return [
            f"server.memory.heap.initial_size={mib(self.heap)}",
            f"server.memory.heap.max_size={mib(self.heap)}",
            f"server.memory.pagecache.size={mib(self.pagecache)}",
            f"dbms.memory.transaction.total.max={mib(self.tx_total)}",
            f"db.memory.transaction.total.max={mib(self.tx_total)}",
            f"db.memory.transaction.max={mib(self.tx_one)}",
        ]

    def jvm_flags(self) -> list[str]:
        return [f"-Xms{self.heap // MiB}m", f"-Xmx{self.heap // MiB}m"]


def memory_limits(settings: Settings) -> MemoryLimits:
    """Heap and page cache from RELMINE_NEO4J_HEAP / _PAGECACHE; transaction caps sized from the heap."""
    heap = parse_memory(settings.neo4j_heap, "RELMINE_NEO4J_HEAP")
    pagecache = parse_memory(settings.neo4j_pagecache, "RELMINE_NEO4J_PAGECACHE")
    if heap < MIN_HEAP:
        raise ConfigError(f"RELMINE_NEO4J_HEAP={settings.neo4j_heap!r} is below the 256m Neo4j needs")
    if pagecache < 8 * MiB:
        raise ConfigError(f"RELMINE_NEO4J_PAGECACHE={settings.neo4j_pagecache!r} is below 8m")
    heap -= heap % MiB
    pagecache -= pagecache % MiB
    tx_one = int(heap * TX_ONE_FRACTION) // MiB * MiB
    tx_total = int(heap * TX_TOTAL_FRACTION) // MiB * MiB
    return MemoryLimits(heap=heap, pagecache=pagecache, tx_total=tx_total, tx_one=tx_one)


def jvm_environment(environ: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment a Neo4j JVM gets: a whitelist of the caller's, plus ``extra``."""
    environ = os.environ if environ is None else environ
    env = {k: v for k, v in environ.items() if k in JVM_ENV_KEEP or k.startswith("LC_")}
    env.update(extra)
    return env


def secure_tree(root: Path) -> int:
    """Folders under ``root`` (and it) 0700, files 0600; links are not followed. How many were changed."""
    changed = 0
    if not root.is_dir():
        return 0

    def fix(path: Path, mode: int) -> None:
        nonlocal changed
        try:
            if stat.S_IMODE(path.lstat().st_mode) != mode:
                os.chmod(path, mode)
                changed += 1
        except FileNotFoundError:  # the server deletes temporary files while we walk
            pass

    fix(root, 0o700)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = Path(dirpath, d)
            if not p.is_symlink():
                fix(p, 0o700)
        for f in filenames:
            p = Path(dirpath, f)
            if not p.is_symlink():
                fix(p, 0o600)
    return changed


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file of mode 0600 (also when it existed with another mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def _port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours is not alive
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        return state != "Z"
    except OSError:
        return True


class LocalNeo4j:
    """The local server. ``start()`` twice leaves one server; ``stop()`` ends it cleanly."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings.from_env()
        self.dist = self.settings.cache / f"neo4j-{NEO4J_VERSION}-gds-{GDS_VERSION}"
        self.lib = self.dist / "lib"
        self.plugins = self.dist / "plugins"
        self.home = self.settings.home / "neo4j"
        self.conf_dir = self.home / "conf"
        self.data_dir = self.home / "data"
        self.logs_dir = self.home / "logs"
        self.run_dir = self.home / "run"
        self.import_dir = self.home / "import"
        self.pid_file = self.run_dir / "neo4j.pid"
        self.console_log = self.logs_dir / "console.log"
        self.password_file = self.settings.neo4j_password_file or (self.home / "password")

    # -- assembly ------------------------------------------------------------
    @property
    def assembled(self) -> bool:
        return (self.dist / ".complete").is_file()

    def assemble(self) -> None:
        """Resolve the server and GDS jars through Maven, once; cached afterwards."""
        if self.assembled:
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RelmineError("Maven (mvn) is needed once to fetch Neo4j from Maven Central: apt-get install maven")
        tmp = self.dist.with_name(self.dist.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        pom = tmp / "pom.xml"
        pom.write_text(resources.files("relmine.server").joinpath("pom.xml").read_text())
        for profile, folder in (("server", "lib"), ("gds", "plugins")):
            _log(f"resolving {profile} jars from Maven Central (once; cached in {self.dist}) ...")
            t0 = time.monotonic()
            cmd = [mvn, "-B", "-q", "-f", str(pom), "-P", profile, "dependency:copy-dependencies",
                   "-DincludeScope=runtime", "-Dmdep.prependGroupId=true",
                   f"-DoutputDirectory={tmp / folder}"]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RelmineError(f"Maven could not assemble the {profile} jars:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
            _log(f"{profile}: {len(list((tmp / folder).glob('*.jar')))} jars in {time.monotonic() - t0:.0f}s")
        # One flat classpath: a library both sides bring is kept once, in the server's version.
        server_keys = {_jar_key(j.name) for j in (tmp / "lib").glob("*.jar")}
        for jar in (tmp / "plugins").glob("*.jar"):
            if _jar_key(jar.name) in server_keys:
                jar.unlink()
        (tmp / ".complete").write_text(f"neo4j {NEO4J_VERSION}\ngds {GDS_VERSION}\n")
        shutil.rmtree(self.dist, ignore_errors=True)
        tmp.rename(self.dist)

    # -- configuration -------------------------------------------------------
    def write_conf(self) -> Path:
        limits = memory_limits(self.settings)
        for d in (self.home, self.conf_dir, self.data_dir, self.logs_dir, self.run_dir, self.import_dir):
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
        s = self.settings
        lines = [
            "# Written by `relmine neo4j start`; edits are overwritten. Change RELMINE_* variables instead.",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{s.bolt_port}",
            f"server.http.listen_address=127.0.0.1:{s.http_port}",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            f"server.directories.data={self.data_dir}",
            f"server.directories.logs={self.logs_dir}",
            f"server.directories.run={self.run_dir}",
            f"server.directories.import={self.import_dir}",
            f"server.directories.plugins={self.plugins}",
            # Heap (also -Xms/-Xmx on the java command line), page cache, and the transaction
            # caps sized from the heap: see memory_limits().
            *limits.conf_lines(),
            "dbms.security.procedures.unrestricted=gds.*",
            "dbms.usage_report.enabled=false",
            "db.tx_log.rotation.retention_policy=1 days",
        ]
        conf = self.conf_dir / "neo4j.conf"
        _write_private(conf, "\n".join(lines) + "\n")
        return conf

    # -- first start -----------------------------------------------------------
    @property
    def initialised(self) -> bool:
        """Has the server ever created its system database (after which auth.ini is ignored)?"""
        return (self.data_dir / "databases" / "system").is_dir()

    def _password(self) -> str:
        """The local server's password: read from its 0600 file, or generated into a new one."""
        if self.password_file.is_file():
            return read_secret_file(self.password_file)
        self.password_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        password = "p" + secrets.token_urlsafe(24)  # a letter first: never read as an option
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password + "\n")
        _log(f"generated the server's password; saved (mode 600) in {self.password_file}")
        return password

    def set_initial_password(self, java: str) -> None:
        """``neo4j-admin dbms set-initial-password`` before the first start: the server never
        accepts neo4j/neo4j. The password goes in as ``@<password file>`` (picocli expands it),
        so it is on no command line."""
        password = self._password()
        if not _PLAIN_PASSWORD.match(password):
            raise RelmineError(
                f"the password in {self.password_file} must be 8 or more of A-Z a-z 0-9 _ . ~ + = - "
                "(starting with a letter, digit or _) to be set before the first start"
            )
        cmd = [java, "-Xmx256m", "-cp", f"{self.lib}/*", ADMIN_CLASS,
               "dbms", "set-initial-password", f"@{self.password_file}"]
        env = jvm_environment(NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.conf_dir))
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=self.home,
                              stdin=subprocess.DEVNULL, umask=0o077, timeout=120)
        if proc.returncode != 0 or not (self.data_dir / "dbms" / "auth.ini").is_file():
            raise RelmineError(f"Neo4j's admin tool could not set the initial password (exit {proc.returncode}):\n"
                               f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        _log(f"initial password set before the first start (from {self.password_file})")

    def import_full(self, args: list[str], *, database: str = "neo4j", timeout: float | None = None) -> str:
        """``neo4j-admin database import full DATABASE ARGS...`` (the server must be stopped; the database is
        replaced: ``--overwrite-destination``). The import tool gets the server's heap, and its page cache as
        the bound of its off-heap memory. Returns the tool's output; a failure raises naming its end."""
        if self.status().running:
            raise RelmineError("the server must be stopped before neo4j-admin database import")
        limits = memory_limits(self.settings)
        self.write_conf()
        cmd = [self._java(), *limits.jvm_flags(), "-cp", f"{self.lib}/*", ADMIN_CLASS,
               "database", "import", "full", database, "--overwrite-destination=true",
               f"--max-off-heap-memory={limits.pagecache // MiB}m", *args]
        env = jvm_environment(NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.conf_dir))
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=self.home,
                              stdin=subprocess.DEVNULL, umask=0o077, timeout=timeout)
        if proc.returncode != 0:
            raise RelmineError(f"neo4j-admin database import failed (exit {proc.returncode}):\n"
                               f"{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
        return proc.stdout + proc.stderr

    # -- process -------------------------------------------------------------
    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    def status(self) -> ServerStatus:
        pid = self._pid()
        return ServerStatus(
            running=pid is not None,
            pid=pid,
            bolt_uri=f"bolt://127.0.0.1:{self.settings.bolt_port}",
            http_url=f"http://127.0.0.1:{self.settings.http_port}",
            answering=pid is not None and _port_open(self.settings.bolt_port),
            home=self.home,
        )

    def _java(self) -> str:
        java_home = os.environ.get("RELMINE_JAVA_HOME") or os.environ.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
        if not java:
            raise RelmineError("Java 17 or 21 is needed for Neo4j 5.26: apt-get install openjdk-17-jre-headless")
        out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
        m = re.search(r'version "(\d+)', out)
        major = int(m.group(1)) if m else 0
        if major not in (17, 21):
            for cand in sorted(Path("/usr/lib/jvm").glob("java-1[7]*")) + sorted(Path("/usr/lib/jvm").glob("java-21*")):
                if (cand / "bin" / "java").exists():
                    return str(cand / "bin" / "java")
            raise RelmineError(f"{java} is Java {major}; Neo4j 5.26 needs Java 17 or 21 (set RELMINE_JAVA_HOME)")
        return java

    def start(self, timeout: float = 180.0) -> ServerStatus:
        """Start the server unless it already runs; wait for Bolt; set the password on first start."""
        st = self.status()
        if st.running:
            self._wait_for_bolt(st.pid, timeout)
            self._ensure_password()
            return self.status()
        if _port_open(self.settings.bolt_port):
            raise RelmineError(
                f"port {self.settings.bolt_port} is taken by another process; stop it or set RELMINE_BOLT_PORT"
            )
        self.assemble()
        limits = memory_limits(self.settings)
        self.write_conf()
        fixed = secure_tree(self.home)
        if fixed:
            _log(f"made {fixed} folders/files under {self.home} private (0700/0600)")
        java = self._java()
        t0 = time.monotonic()
        if not self.initialised:
            self.set_initial_password(java)
        cp = os.pathsep.join([f"{self.plugins}/*", f"{self.conf_dir}/*", f"{self.lib}/*"])
        cmd = [java, *limits.jvm_flags(), *JVM_FLAGS, "-cp", cp, MAIN_CLASS,
               f"--home-dir={self.home}", f"--config-dir={self.conf_dir}", "--console-mode"]
        env = jvm_environment(NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.conf_dir))
        fd = os.open(self.console_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.home, env=env, start_new_session=True, umask=0o077)
        _write_private(self.pid_file, f"{proc.pid}\n")
        _log(f"started Java pid {proc.pid}; waiting for Bolt on 127.0.0.1:{self.settings.bolt_port} ...")
        self._wait_for_bolt(proc.pid, timeout)
        self._ensure_password()
        _log(f"Neo4j answered after {time.monotonic() - t0:.1f}s")
        return self.status()

    def _wait_for_bolt(self, pid: int | None, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pid is not None and not _pid_alive(pid):
                raise GraphUnavailable(f"Neo4j exited during start-up; see {self.console_log}:\n{self.tail(30)}")
            if _port_open(self.settings.bolt_port):
                return
            time.sleep(0.5)
        raise GraphUnavailable(f"Neo4j did not open Bolt within {timeout:.0f}s; see {self.console_log}")

    def _ensure_password(self) -> None:
        """Check that the server takes the password of its 0600 file (set before the first start)."""
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, ServiceUnavailable

        uri = f"bolt://127.0.0.1:{self.settings.bolt_port}"
        password = self._password()
        deadline = time.monotonic() + 60
        while True:
            try:
                with GraphDatabase.driver(uri, auth=(self.settings.neo4j_user, password)) as drv:
                    drv.verify_connectivity()
                    return
            except AuthError as exc:
                raise GraphUnavailable(
                    f"the local Neo4j refuses the password in {self.password_file}; if the data was made with "
                    f"another password, remove {self.data_dir} to start afresh"
                ) from exc
            except ServiceUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def stop(self, timeout: float = 90.0) -> bool:
        """Stop the server cleanly (SIGTERM, then wait); True if one was running."""
        pid = self._pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.3)
        if _pid_alive(pid):
            _log(f"Neo4j pid {pid} did not stop within {timeout:.0f}s; killing it")
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def tail(self, lines: int = 50) -> str:
        texts = []
        for log in (self.logs_dir / "neo4j.log", self.console_log):
            if log.is_file():
                texts.append(f"==> {log} <==\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(texts) or f"no logs under {self.logs_dir}"
