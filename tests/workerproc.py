"""A real Celery worker in its own process, for integration tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from relmine.config import Settings


class WorkerProcess:
    def __init__(self, settings: Settings, *, broker_url: str | None, home: Path,
                 queues: str = "train,embed,mine", pool: str = "solo", extra_env: dict | None = None):
        self.home = home
        self.env = {**os.environ, "RELMINE_HOME": str(home), "NEO4J_URI": settings.neo4j_uri,
                    "NEO4J_USER": settings.neo4j_user, "NEO4J_PASSWORD": settings.neo4j_password,
                    "PYTHONUNBUFFERED": "1", **(extra_env or {})}
        if broker_url:
            self.env["RELMINE_BROKER_URL"] = broker_url
        else:
            self.env.pop("RELMINE_BROKER_URL", None)
        self.queues, self.pool = queues, pool
        self.proc: subprocess.Popen | None = None
        self.log = home / "worker.log"

    def client_env(self) -> dict[str, str]:
        """The environment a client needs to reach this worker's broker and results."""
        return self.env

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "relmine.cli.main", "worker", "-Q", self.queues, "--pool", self.pool,
                 "-l", "INFO", "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL the whole worker (process group), as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def pause(self) -> None:
        """SIGSTOP the whole worker: it holds whatever it was doing until :meth:`resume`."""
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
