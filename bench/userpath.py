"""Run what a user runs, measured: ``relmine`` commands as processes, a real worker, peak RSS of each.

* :func:`cli` runs one ``relmine`` command and returns its wall time and
  peak RSS (``os.wait4`` of that process: the kernel's own high-water mark);
* :class:`Worker` is a real Celery worker (``relmine worker``, prefork pool
  with one child, as in production: the solo pool sends no broker heartbeats
  during a long task, and RabbitMQ drops its connection); :meth:`Worker.peak_rss`
  is the largest ``VmHWM`` (peak resident set) of the worker and its children
  (start one per measurement).

Used by ``bench/scale.py`` and ``bench/train_photo.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    seconds: float
    peak_rss: int  # bytes
    returncode: int
    stdout: str
    stderr: str


def cli(args: list[str], env: dict, *, timeout: float | None = None, log=None) -> Measured:
    """``relmine ARGS`` in a process of its own; its stderr streams to ``log`` (a callable) if given."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "relmine.cli.main", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    out_lines: list[str] = []
    err_lines: list[str] = []
    import threading

    def pump(stream, sink, echo):
        for line in stream:
            sink.append(line)
            if echo is not None:
                echo(line.rstrip())

    threads = [threading.Thread(target=pump, args=(proc.stdout, out_lines, None), daemon=True),
               threading.Thread(target=pump, args=(proc.stderr, err_lines, log), daemon=True)]
    for t in threads:
        t.start()
    deadline = None if timeout is None else t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            status = 124 << 8
            break
        time.sleep(0.2)
    for t in threads:
        t.join(5)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(time.monotonic() - t0, usage.ru_maxrss * 1024, proc.returncode, "".join(out_lines),
                    "".join(err_lines))


class Worker:
    """A real ``relmine worker`` (solo pool) on queues ``train`` and ``embed``."""

    def __init__(self, env: dict, home: Path, queues: str = "train,embed"):
        from relmine.config import Settings

        if not env.get("RELMINE_BROKER_URL"):
            # the default filesystem broker lives under RELMINE_HOME, and this worker has a home of its
            # own: the CLI's tasks would never reach it (a run then waits in 'queued' for ever)
            raise SystemExit("set RELMINE_BROKER_URL to a RabbitMQ the CLI and the worker share, e.g. "
                             "amqp://guest:guest@127.0.0.1:5672// (scripts/rabbitmq.sh start)")
        settings = Settings.from_env(env)
        # a home of its own, as a worker on another host has; the server's password file stays reachable
        self.env = {**env, "RELMINE_HOME": str(home), "PYTHONUNBUFFERED": "1"}
        if not env.get("NEO4J_PASSWORD"):
            self.env["NEO4J_PASSWORD_FILE"] = str(settings.neo4j_password_file)
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.log = self.home / "worker.log"
        self.queues = queues
        self.proc: subprocess.Popen | None = None
        self._peak = 0

    def __enter__(self) -> "Worker":
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "relmine.cli.main", "worker", "-Q", self.queues, "--pool", "prefork",
                 "--concurrency", "1", "-l", "INFO", "-n", f"bench-{os.getpid()}-{time.monotonic_ns()}@%h"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        import threading

        threading.Thread(target=self._sampler, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def peak_rss(self) -> int:
        """Bytes: the largest peak resident set (``VmHWM``) of the worker and its pool children, sampled
        every 2 s since it started and now (a prefork child runs the tasks)."""
        self._sample()
        return self._peak

    def _sample(self) -> None:
        import psutil

        try:
            procs = [psutil.Process(self.proc.pid)]
            procs += procs[0].children(recursive=True)
        except (psutil.Error, AttributeError):
            return
        for p in procs:
            try:
                for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self._peak = max(self._peak, int(line.split()[1]) * 1024)
            except OSError:
                pass

    def _sampler(self) -> None:
        while self.alive():
            self._sample()
            time.sleep(2)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


def train_through_worker(env: dict, args: list[str], run_id: str, home: Path, *, timeout: float,
                         log, command: str = "train") -> tuple[Measured, int, dict]:
    """``relmine train ARGS --run-id RUN --wait`` (or another run ``command`` that takes those options:
    ``refresh``) through a fresh real :class:`Worker` under ``home``: the CLI's measurement, the worker's peak
    RSS (bytes) and the run's ``(:Run)`` record. The CLI's stderr and, when it fails, the worker's log go to
    ``log``."""
    with Worker(env, home) as worker:
        m = cli([command, *args, "--run-id", run_id, "--wait", "--timeout", str(int(timeout))], env,
                timeout=timeout + 120, log=lambda line: log(f"  {line}"))
        peak = worker.peak_rss()
        if m.returncode != 0:
            log(worker.tail())
    return m, peak, run_record(env, run_id)


def run_record(env: dict, run_id: str) -> dict:
    """The ``(:Run)`` as ``relmine run-status`` would show it, read through the gateway."""
    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.learn.pipeline import get_run

    os.environ.update({k: v for k, v in env.items() if k.startswith(("NEO4J_", "RELMINE_"))})
    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        run = get_run(gw, run_id)
    run["metrics"] = json.loads(run["metrics"]) if run.get("metrics") else {}
    return run


def gb(n: int) -> str:
    return f"{n / 2**30:.2f} GB"
