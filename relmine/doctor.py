"""``relmine doctor``: one table of checks, each with the fix to try when it fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from relmine.config import Settings, redact_text, redact_url
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
        detail = redact_text(f"{type(exc).__name__}: {exc}").splitlines()[0][:200]
        return Check(name, False, detail, fix, required)


def run_checks(settings: Settings, *, broker: Callable[[], str] | None = None,
               ping_worker: Callable[[], str] | None = None,
               consumers: Callable[[], dict[str, str]] | None = None) -> list[Check]:
    """All checks. ``broker`` and ``ping_worker`` come from the queue layer (relmine.workers),
    which the domain does not import: each returns a detail line or raises."""
    from relmine.gateway import Gateway

    checks: list[Check] = []
    gw: Gateway | None = None

    def neo4j_check() -> str:
        nonlocal gw
        gw = Gateway(settings)
        gw.verify()
        return f"Neo4j {gw.server_version()} at {redact_url(settings.neo4j_uri)}"

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
    if broker is not None:
        checks.append(_guard("broker", "scripts/rabbitmq.sh start (RabbitMQ), or unset RELMINE_BROKER_URL", broker))
    if ping_worker is not None:
        checks.append(_guard("worker", "relmine worker   (in another terminal)", ping_worker))
    if consumers is not None:
        checks.extend(queue_checks(consumers))
    checks.append(_guard("torch", "pip install torch torch_geometric", _torch_detail))
    if gw is not None:
        gw.close()
    return checks


def queue_checks(consumers: Callable[[], dict[str, str]]) -> list[Check]:
    """One check per queue (``queue train`` ...): its consumers with their hosts, or none (not required)."""
    try:
        found = consumers()
    except Exception as exc:
        return [Check("queues", False, f"{type(exc).__name__}: {exc}".splitlines()[0][:200],
                      "relmine worker   (the control channel did not answer)", False)]
    return [Check(f"queue {q}", bool(detail), detail or "no consumer", f"relmine worker -Q {q}", False)
            for q, detail in found.items()]


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


def _torch_detail() -> str:
    import torch_geometric  # noqa: F401

    from relmine.device import describe_device

    return describe_device() + f", PyG {torch_geometric.__version__}"
