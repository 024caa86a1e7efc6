"""Assemble, configure, start and stop a real Neo4j 5.26 Community server with GDS.

The jars come from Maven Central through Maven (``pom.xml`` beside this file)
and are cached under ``$RELMINE_CACHE/neo4j-<version>/``; the server's state
(conf, data, logs, pid, the generated password) lives under
``$RELMINE_HOME/neo4j/``. The server is started the way Neo4j's own launcher
does it (``org.neo4j.server.CommunityEntryPoint`` with the JVM flags of the
standard launcher), in its own process session, so it outlives the command.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from relmine.config import Settings, read_secret_file
from relmine.errors import GraphUnavailable, RelmineError

NEO4J_VERSION = "5.26.30"
GDS_VERSION = "2.13.9"
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"

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
        for d in (self.conf_dir, self.data_dir, self.logs_dir, self.run_dir, self.import_dir):
            d.mkdir(parents=True, exist_ok=True)
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
            # 2 cores / 24 GiB: heap and page cache leave room for workers and torch.
            f"server.memory.heap.initial_size={s.neo4j_heap}",
            f"server.memory.heap.max_size={s.neo4j_heap}",
            f"server.memory.pagecache.size={s.neo4j_pagecache}",
            "db.memory.transaction.total.max=0",
            "dbms.security.procedures.unrestricted=gds.*",
            "dbms.usage_report.enabled=false",
            "db.tx_log.rotation.retention_policy=1 days",
        ]
        conf = self.conf_dir / "neo4j.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

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
        self.write_conf()
        java = self._java()
        cp = os.pathsep.join([f"{self.plugins}/*", f"{self.conf_dir}/*", f"{self.lib}/*"])
        cmd = [java, *JVM_FLAGS, "-cp", cp, MAIN_CLASS,
               f"--home-dir={self.home}", f"--config-dir={self.conf_dir}", "--console-mode"]
        env = {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.conf_dir)}
        t0 = time.monotonic()
        with open(self.console_log, "ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.home, env=env, start_new_session=True)
        self.pid_file.write_text(f"{proc.pid}\n")
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
        """Generate a password on first start (saved 0600) and set it over Bolt, never on a command line."""
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, ServiceUnavailable

        uri = f"bolt://127.0.0.1:{self.settings.bolt_port}"
        if self.password_file.is_file():
            password = read_secret_file(self.password_file)
        else:
            self.password_file.parent.mkdir(parents=True, exist_ok=True)
            password = secrets.token_urlsafe(24)
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(password + "\n")
        deadline = time.monotonic() + 60
        while True:
            try:
                with GraphDatabase.driver(uri, auth=(self.settings.neo4j_user, password)) as drv:
                    drv.verify_connectivity()
                    return
            except AuthError:
                break
            except ServiceUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        # Fresh database: the default neo4j/neo4j user must change its password first.
        try:
            with GraphDatabase.driver(uri, auth=("neo4j", "neo4j")) as drv:
                with drv.session(database="system") as session:
                    session.run("ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
                                old="neo4j", new=password).consume()
        except AuthError as exc:
            raise GraphUnavailable(
                f"the local Neo4j refuses the password in {self.password_file}; if the data was made with "
                f"another password, remove {self.data_dir} to start afresh"
            ) from exc
        _log(f"initial password set; saved (mode 600) in {self.password_file}")

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
