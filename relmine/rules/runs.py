"""``(:Run)`` provenance nodes of rules and cluster runs."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from relmine.errors import InputError
from relmine.gateway import Gateway
from relmine.runid import RUN_ID, new_run_id, run_id_or_new  # noqa: F401  (RUN_ID, new_run_id re-exported)


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
    gw.write("rules/merge_run", {
        "id": run, "kind": kind, "status": status,
        "params": json.dumps(_json_safe(params), sort_keys=True),
        "metrics": json.dumps(_json_safe(metrics), sort_keys=True),
        "flat": flat_metrics(metrics),
    })


def latest_run(gw: Gateway, kind: str, *, level: str | None = None) -> str | None:
    """Id of the latest finished run of ``kind`` (for rules: optionally one holding rules of ``level``)."""
    row = gw.read_one("rules/latest_run", {"kind": kind, "level": level})
    return row["id"] if row else None
