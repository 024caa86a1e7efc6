"""Broker and worker checks for ``relmine doctor`` and ``relmine ping``."""

from __future__ import annotations

import time
import uuid

from relmine.config import Settings, redact_url
from relmine.errors import RelmineError
from relmine.workers.config import CeleryConfig


def broker_detail(settings: Settings) -> str:
    """Connect to the broker once; a detail line, or raise."""
    from kombu import Connection

    cfg = CeleryConfig.from_settings(settings)
    with Connection(cfg.broker_url, transport_options=cfg.broker_transport_options, connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=1, timeout=5)
    if settings.broker_url:
        return f"AMQP {redact_url(settings.broker_url)}"
    return f"filesystem transport in {settings.broker_dir}"


def ping_worker(queue: str = "mine", timeout: float = 15.0) -> dict:
    """Send a ping task and wait for a real worker's answer."""
    from relmine.workers.tasks import ping

    from kombu.exceptions import OperationalError

    token = uuid.uuid4().hex[:8]
    t0 = time.monotonic()
    try:
        result = ping.apply_async(args=[token], queue=queue)
    except (OperationalError, OSError) as exc:  # was a traceback (issue 28's quiet output)
        url = redact_url(Settings.from_env().effective_broker_url)
        raise RelmineError(f"could not send a ping: the broker at {url} is not reachable ({exc}); "
                           "start RabbitMQ or check RELMINE_BROKER_URL") from exc
    try:
        answer = result.get(timeout=timeout)
    except Exception as exc:
        raise RelmineError(f"no worker answered a ping on queue {queue!r} within {timeout:.0f}s "
                           "(start one with `relmine worker`)") from exc
    if answer.get("pong") != token:
        raise RelmineError(f"worker answered {answer!r}, expected token {token}")
    answer["seconds"] = time.monotonic() - t0
    return answer


def worker_detail(timeout: float = 15.0) -> str:
    a = ping_worker(timeout=timeout)
    return f"pid {a['pid']} on {a['host']} answered in {a['seconds']:.1f}s ({a['device']})"


QUEUES = ("train", "embed", "mine")


def queue_consumers(timeout: float = 5.0) -> dict[str, list[str]]:
    """Workers consuming each queue, by their node name (``name@host``), from Celery's control channel.

    The answer comes from each worker's main process, which the default prefork pool keeps free
    while a child runs a long task (the solo pool would not answer until its task ends).
    """
    from relmine.workers.app import app

    answers = app.control.inspect(timeout=timeout).active_queues() or {}
    out: dict[str, list[str]] = {q: [] for q in QUEUES}
    for node, queues in sorted(answers.items()):
        for q in queues or []:
            out.setdefault(q["name"], []).append(node)
    return out


def consumer_checks(timeout: float = 5.0) -> dict[str, str]:
    """One detail per queue; a queue with no consumer raises in its own check (see relmine.doctor)."""
    found = queue_consumers(timeout)
    return {q: (f"{len(nodes)} consumer(s): {', '.join(nodes)}" if nodes else "") for q, nodes in found.items()}
