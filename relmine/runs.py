"""``(:Run)`` provenance nodes of rules and cluster runs."""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from relmine.errors import InputError
from relmine.gateway import Gateway
from relmine.runid import RUN_ID, new_run_id, run_id_or_new  # noqa: F401  (RUN_ID, new_run_id re-exported)

log = logging.getLogger(__name__)


def check_run_id(run: str | None, kind: str) -> str:
    """A given run id (validated by :mod:`relmine.runid`) or a new one of ``kind``."""
    return run_id_or_new(run, kind)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def flat_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """Scalar metrics as ``metric_<name>`` properties (nested dicts joined with ``_``)."""
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}_{re.sub(r'[^A-Za-z0-9]+', '_', str(k))}", v)
        elif isinstance(value, bool) or isinstance(value, (int, str)):
            out[prefix] = value
        elif isinstance(value, float) and math.isfinite(value):
            out[prefix] = value

    walk("metric", metrics)
    return out


def record_run(gw: Gateway, run: str, kind: str, params: dict[str, Any], metrics: dict[str, Any],
               status: str = "done") -> None:
    """Create or update ``(:Run {id})`` with JSON ``params``/``metrics`` and flat ``metric_*`` properties."""
    gw.write("runs/record_job", {
        "id": run, "kind": kind, "status": status,
        "params": json.dumps(_json_safe(params), sort_keys=True),
        "metrics": json.dumps(_json_safe(metrics), sort_keys=True),
        "flat": flat_metrics(metrics),
    })


def set_job_status(gw: Gateway, run: str, kind: str, status: str, *, params: dict[str, Any] | None = None,
                   error: str | None = None) -> None:
    """Move a rules or clusters run to ``queued``, ``running`` or ``failed`` (``done`` is :func:`record_run`,
    with the figures). Refuses an id that a run of another kind holds."""
    rows = gw.write("runs/set_job_status", {
        "id": run, "kind": kind, "status": status, "error": error,
        "params": None if params is None else json.dumps(_json_safe(params), sort_keys=True),
    }).records
    if not rows:
        raise InputError(f"run {run!r} is a run of another kind: choose another --run")


@contextmanager
def job(gw: Gateway, run: str, kind: str, params: dict[str, Any], *, record: bool = True) -> Iterator[None]:
    """The run is ``running`` while the body works, and ``failed`` with the reason if the body raises
    (the body records ``done`` itself). With ``record`` false (nothing is written back) nothing is recorded."""
    if not record:
        yield
        return
    set_job_status(gw, run, kind, "running", params=params)
    try:
        yield
    except BaseException as exc:
        reason = (f"{type(exc).__name__}: {exc}".splitlines() or [type(exc).__name__])[0][:500]
        try:
            set_job_status(gw, run, kind, "failed", error=reason)
        except Exception as unrecorded:  # noqa: BLE001 (Neo4j gone too: the original error matters more)
            log.warning("run %s failed (%s) and that could not be recorded: %s", run, reason, unrecorded)
        raise


def latest_run(gw: Gateway, kind: str, *, level: str | None = None) -> str | None:
    """Id of the latest finished run of ``kind`` (for rules: optionally one holding rules of ``level``)."""
    row = gw.read_one("runs/latest_of_kind", {"kind": kind, "level": level})
    return row["id"] if row else None
