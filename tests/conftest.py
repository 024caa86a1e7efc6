"""Shared fixtures: where the real services are, and the shared data folder.

Neo4j is found in this order (README.md, "Tests"): ``NEO4J_URI`` if set; a
testcontainers ``Neo4jContainer`` when a Docker engine answers (testcontainers is
in the dev extra); else relmine's own local server (started if needed, left running).
RabbitMQ: ``RELMINE_BROKER_URL`` if set, else a local ``rabbitmq-server``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from relmine.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RELMINE_DATA", ROOT.parent / "shared" / "data"))


def data_file(name: str) -> Path:
    """A file of ../shared/data, or skip the test with a clear reason."""
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"shared data file {path} is absent (tests read ../shared/data)")
    return path


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def neo4j_settings() -> Settings:
    settings = Settings.from_env()
    if os.environ.get("NEO4J_URI"):
        return settings
    if _docker_answers():
        from testcontainers.community.neo4j import Neo4jContainer  # dev extra; needs a Docker engine

        container = Neo4jContainer("neo4j:5.26-community").with_env(
            "NEO4J_PLUGINS", '["graph-data-science"]').with_env(
            "NEO4J_dbms_security_procedures_unrestricted", "gds.*")
        container.start()
        import atexit

        atexit.register(container.stop)
        return settings.with_(neo4j_uri=container.get_connection_url(),
                              neo4j_password_env=container.password)
    from relmine.server import LocalNeo4j

    LocalNeo4j(settings).start()
    return settings


@pytest.fixture(scope="session")
def gateway(neo4j_settings):
    from relmine.gateway import Gateway

    gw = Gateway(neo4j_settings, app="relmine-tests")
    gw.verify()
    yield gw
    gw.close()


def wipe(gw) -> None:
    """Empty the database and drop GDS projections; the schema stays, but vector indexes go
    (their dimensions belong to the data that was there)."""
    from relmine.schema import empty_graph

    empty_graph(gw)
    with gw._driver.session(database=gw.database) as session:  # noqa: SLF001 (test helper)
        for row in session.run("SHOW VECTOR INDEXES YIELD name").data():
            session.run("DROP INDEX $name IF EXISTS", name=row["name"]).consume()
        session.run("CALL gds.graph.list() YIELD graphName CALL gds.graph.drop(graphName, false) YIELD graphName AS g "
                    "RETURN count(g)").consume()


@pytest.fixture(scope="module")
def clean_graph(gateway):
    """An empty database at the start of a module (the schema applied)."""
    from relmine.schema import apply_schema

    wipe(gateway)
    apply_schema(gateway)
    return gateway


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def worker_factory(neo4j_settings, tmp_path):
    """Start real ``relmine worker`` processes; each is stopped (or found dead) at teardown."""
    from tests.workerproc import WorkerProcess

    started: list[WorkerProcess] = []

    def start(broker_url: str | None, home: Path | None = None, **kw) -> WorkerProcess:
        """A worker on ``broker_url``; ``home`` its RELMINE_HOME (default one shared by the test's workers)."""
        proc = WorkerProcess(neo4j_settings, broker_url=broker_url, home=home or tmp_path / "relmine-home", **kw)
        proc.start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """A real RabbitMQ: RELMINE_BROKER_URL, else the local rabbitmq-server (started if needed)."""
    url = os.environ.get("RELMINE_BROKER_URL")
    if url:
        return url
    if not _port_open(5672):
        server = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"
        if not Path(server).exists():
            pytest.fail("RabbitMQ is needed: apt-get install rabbitmq-server (or set RELMINE_BROKER_URL)")
        subprocess.run([server, "-detached"], check=False)
        deadline = time.monotonic() + 90
        while not _port_open(5672):
            if time.monotonic() > deadline:
                pytest.fail("rabbitmq-server did not open port 5672 within 90s")
            time.sleep(1)
    return "amqp://guest:guest@127.0.0.1:5672//"
