"""What an operator sees on stderr: one line when Neo4j is down, no other library's warnings unless ``-v``.

Real ``relmine`` processes, no services: Neo4j and the broker are closed ports (or the filesystem broker).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

RELMINE = [sys.executable, "-m", "relmine.cli.main"]
THIRD_PARTY = ("Warning", "No hostname", "neo4j.", "kombu.", "warnings.warn")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def env(tmp_path):
    e = {**os.environ, "NEO4J_URI": f"bolt://127.0.0.1:{_closed_port()}", "NEO4J_PASSWORD": "x",
         "RELMINE_HOME": str(tmp_path), "RELMINE_ENV_FILE": str(tmp_path / "none.env")}
    for key in ("RELMINE_BROKER_URL", "PYTHONWARNINGS", "NEO4J_PASSWORD_FILE", "RELMINE_NEO4J_CONNECT_TIMEOUT"):
        e.pop(key, None)
    return e


def _run(args: list[str], env: dict, timeout: float = 120) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    result = subprocess.run([*RELMINE, *args], env=env, capture_output=True, text=True, timeout=timeout)
    return result, time.monotonic() - t0


@pytest.mark.parametrize("args", [["run-status", "train-20250101-000000-abcd"], ["predicted", "SKU-1"]])
def test_neo4j_down_is_one_line_within_seconds(args, env):
    result, elapsed = _run(args, env)
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: Neo4j is not reachable at bolt://127.0.0.1:"), lines
    assert "relmine neo4j start" in lines[0]
    # issue 29 asks for 5 s; measured 3-4 s on a loaded 2-core machine, most of it Python's start-up.
    # The bound here is generous, so that it fails on the driver's 30 s of retries and not on a busy CI host.
    assert elapsed < 15, f"{elapsed:.1f} s"
    print(f"{' '.join(args)}: {elapsed:.2f} s")


def test_neo4j_down_with_verbose_still_ends_in_the_one_line(env):
    result, _ = _run(["-v", "run-status", "train-20250101-000000-abcd"], env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("Error: Neo4j is not reachable"), result.stderr


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"], ["worker", "--help"]])
def test_help_is_quiet(args, env):
    result, _ = _run(args, env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_ping_with_the_broker_down_is_one_line(env):
    env = {**env, "RELMINE_BROKER_URL": f"amqp://guest:secret@127.0.0.1:{_closed_port()}//"}
    result, _ = _run(["ping", "--timeout", "2"], env)
    lines = result.stderr.splitlines()
    assert result.returncode == 1
    assert len(lines) == 1 and lines[0].startswith("Error: could not send a ping: the broker at amqp://guest:***@"), \
        lines
    assert "secret" not in result.stderr


def test_doctor_is_quiet_by_default_and_verbose_shows_the_libraries_warnings(env):
    """doctor imports torch_geometric (torch.jit.script's FutureWarning) and opens the filesystem broker
    (kombu's 'No hostname was supplied'): the two warnings that issue 28 saw on every command."""
    quiet, _ = _run(["doctor", "--worker-timeout", "1"], env)
    assert quiet.returncode == 1 and "FAIL" in quiet.stdout, quiet.stdout + quiet.stderr
    assert not any(word in quiet.stderr for word in THIRD_PARTY), quiet.stderr
    verbose, _ = _run(["-v", "doctor", "--worker-timeout", "1"], env)
    assert verbose.returncode == 1
    assert "No hostname was supplied" in verbose.stderr and "FutureWarning" in verbose.stderr, verbose.stderr


def test_a_worker_is_quiet_by_default(env, tmp_path):
    """The worker's stderr is its log: Celery's lines and relmine's, not kombu's or torch's warnings."""
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([*RELMINE, "worker", "-Q", "mine", "--pool", "solo", "-n", f"quiet-{os.getpid()}@%h"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "ready." not in log.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(30)
    text = log.read_text(errors="replace")
    assert "celery.worker.consumer.connection: Connected to filesystem" in text  # Celery's own lines stay
    assert not any(word in text for word in THIRD_PARTY), text
