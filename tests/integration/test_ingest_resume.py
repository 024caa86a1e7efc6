"""SIGKILL a real ``relmine ingest`` mid-way, run it again: the graph equals an uninterrupted run's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from relmine.ingest.generate import GeneratorSpec, generate
from tests.conftest import wipe
from tests.integration.ingest_helpers import fingerprint, ingest, rows

pytestmark = pytest.mark.integration

BATCH = 150


@pytest.fixture(scope="module")
def orders_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("resume")
    generate(GeneratorSpec(products=400, orders=4_000, seed=5, mean_basket=4.0), out)
    return out / "orders.csv"


@pytest.fixture(scope="module")
def uninterrupted(clean_graph, orders_file, tmp_path_factory):
    wipe(clean_graph)
    report = ingest(clean_graph, orders_file, "orders", tmp_path_factory.mktemp("r"), batch_size=BATCH)
    assert report.status == "done" and report.batches > 40
    graph = fingerprint(clean_graph)
    wipe(clean_graph)
    return graph, report.batches


def _child_env(settings) -> dict:
    env = dict(os.environ)
    env.update({"NEO4J_URI": settings.neo4j_uri, "NEO4J_USER": settings.neo4j_user,
                "NEO4J_PASSWORD": settings.neo4j_password, "NEO4J_DATABASE": settings.neo4j_database})
    return env


def _source(gw, name: str) -> dict | None:
    found = rows(gw, "MATCH (s:Source {file: $f}) RETURN s.cursor AS cursor, s.phase AS phase, s.status AS status",
                 {"f": name})
    return found[0] if found else None


@pytest.mark.parametrize("phase", ["orders", "co-purchases"])
def test_sigkill_then_rerun_equals_an_uninterrupted_run(clean_graph, neo4j_settings, orders_file, uninterrupted,
                                                        tmp_path, phase):
    gw = clean_graph
    wipe(gw)
    expected, total_batches = uninterrupted
    cmd = [sys.executable, "-m", "relmine.cli.main", "ingest", "orders", str(orders_file),
           "--batch-size", str(BATCH), "--no-progress", "--rejects", str(tmp_path / "rejects.csv")]
    child = subprocess.Popen(cmd, env=_child_env(neo4j_settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    start_cursor = None
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if child.poll() is not None:
                pytest.fail(f"the ingest ended before it could be killed:\n{child.stdout.read().decode()}")
            src = _source(gw, orders_file.name)
            if src and src["phase"] == phase:
                start_cursor = src["cursor"] if start_cursor is None else start_cursor
                if src["cursor"] >= start_cursor + 3:
                    break
            time.sleep(0.02)
        else:
            pytest.fail(f"phase {phase} not reached in time")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    killed = _source(gw, orders_file.name)
    assert killed["status"] == "running" and 0 < killed["cursor"] < total_batches
    assert fingerprint(gw) != expected  # really half-way

    resumed = ingest(gw, orders_file, "orders", tmp_path, batch_size=BATCH * 3)  # the first run's batch size wins
    # a COMMIT already sent when the process died may still land: at least the cursor we saw
    assert resumed.status == "done" and resumed.resumed_from >= killed["cursor"]
    assert resumed.resumed_from + resumed.batches == total_batches
    assert fingerprint(gw) == expected
