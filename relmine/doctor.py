"""``relmine doctor``: one table of checks, each with the fix to try when it fails."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Callable

from relmine.config import Settings, redact_url
from relmine.errors import RelmineError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    @property
    def status(self) -> str:
        return "ok" if self.ok else ("FAIL" if self.required else "warn")


def _guard(name: str, fix: str, fn: Callable[[], str], required: bool = True) -> Check:
    try:
        return Check(name, True, fn(), required=required)
    except Exception as exc:  # a check reports any failure, it never raises
        return Check(name, False, f"{type(exc).__name__}: {exc}".splitlines()[0][:200], fix, required)


def run_checks(settings: Settings, *, worker_timeout: float = 15.0) -> list[Check]:
    from relmine.gateway import Gateway

    checks: list[Check] = []
    gw: Gateway | None = None

    def neo4j_check() -> str:
        nonlocal gw
        gw = Gateway(settings)
        gw.verify()
        return f"Neo4j {gw.server_version()} at {settings.neo4j_uri}"

    checks.append(_guard("neo4j", "relmine neo4j start   (or set NEO4J_URI / NEO4J_PASSWORD)", neo4j_check))
    if gw is not None and checks[-1].ok:
        checks.append(_guard("gds", "put the GDS 2.13 jars in the plugins folder and allow gds.* procedures",
                             lambda: f"Graph Data Science {gw.read_one('admin/gds_version')['version']}"))
        checks.append(_guard("vector index", "use Neo4j 5.11 or later",
                             lambda: _need(gw.read_one("admin/vector_index_support")["supported"],
                                           "db.index.vector.queryNodes available")))
        checks.append(_guard("schema", "relmine init", lambda: _schema_detail(gw), required=False))
    else:
        for name in ("gds", "vector index"):
            checks.append(Check(name, False, "skipped: Neo4j unreachable", "relmine neo4j start"))
    checks.append(_guard("broker", "start RabbitMQ (rabbitmq-server) or unset RELMINE_BROKER_URL",
                         lambda: _broker_detail(settings)))
    checks.append(_guard("worker", "relmine worker   (in another terminal, or --detach)",
                         lambda: _worker_detail(worker_timeout)))
    checks.append(_guard("torch", "pip install torch torch_geometric", _torch_detail))
    if gw is not None:
        gw.close()
    return checks


def _need(cond: bool, detail: str) -> str:
    if not cond:
        raise RelmineError("not available")
    return detail


def _schema_detail(gw) -> str:
    from relmine.schema import describe_schema

    items = describe_schema(gw)
    names = {i.name for i in items}
    if "product_sku" not in names:
        raise RelmineError("schema not applied")
    return f"{len(items)} constraints and indexes"


def _broker_detail(settings: Settings) -> str:
    from kombu import Connection

    from relmine.workers.config import CeleryConfig

    cfg = CeleryConfig.from_settings(settings)
    with Connection(cfg.broker_url, transport_options=cfg.broker_transport_options,
                    connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=1, timeout=5)
    if settings.broker_url:
        return f"AMQP {redact_url(settings.broker_url)}"
    return f"filesystem transport in {settings.broker_dir}"


def _worker_detail(timeout: float) -> str:
    from relmine.workers.tasks import ping

    token = uuid.uuid4().hex[:8]
    t0 = time.monotonic()
    result = ping.apply_async(args=[token], queue="mine")
    try:
        answer = result.get(timeout=timeout)
    except Exception as exc:
        result.revoke()
        raise RelmineError(f"no worker answered a ping on queue 'mine' within {timeout:.0f}s") from exc
    if answer.get("pong") != token:
        raise RelmineError(f"worker answered {answer!r}, expected token {token}")
    return f"pid {answer['pid']} on {answer['host']} answered in {time.monotonic() - t0:.1f}s ({answer['device']})"


def _torch_detail() -> str:
    import torch_geometric  # noqa: F401

    from relmine.device import describe_device

    return describe_device() + f", PyG {torch_geometric.__version__}"
