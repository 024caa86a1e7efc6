"""Thin tasks: take ids and a small spec, call relmine, return a small summary.

Transient failures (Neo4j unreachable) are retried with backoff, at most
``MAX_RETRIES`` times; everything else fails the task.
"""

from __future__ import annotations

import os
import socket

from relmine.errors import GraphUnavailable
from relmine.workers.app import app

MAX_RETRIES = 5
RETRY = dict(autoretry_for=(GraphUnavailable, ConnectionError), retry_backoff=2, retry_backoff_max=120,
             retry_jitter=True, max_retries=MAX_RETRIES)


@app.task(name="relmine.ping", bind=True, **RETRY)
def ping(self, token: str = "") -> dict:
    """Answer with the token, the worker's host, pid and torch device (proves a real worker)."""
    from relmine.device import describe_device

    return {"pong": token, "host": socket.gethostname(), "pid": os.getpid(),
            "queue": (self.request.delivery_info or {}).get("routing_key"), "device": describe_device()}
