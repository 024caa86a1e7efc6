"""The one run model: every kind of job (train, refresh, rules, clusters, motifs, evaluate) is a ``(:Run)``.

MLflow's tracking model is the example (``../shared/STYLE.md``). A run has:

* ``id``: one scheme for every kind (:mod:`relmine.runid`), validated once where it enters (the CLI, a
  worker task), and named ``run_id`` in Python and ``$run_id`` in Cypher;
* ``kind``: ``train`` (a refresh is a ``train`` run with ``refresh_of``), ``rules``, ``clusters``, ``motifs``,
  ``evaluate`` (``relmine evaluate``: :func:`relmine.learn.evaluation.evaluation_run`);
* ``status``, moving one way: ``queued`` -> ``running`` -> ``done`` / ``failed`` (with ``error``, the
  reason) / ``cancelled``; a training run's ``stage`` (``pulling``, ``training``, ``testing``,
  ``embedding``) says where a ``running`` one is (it stays on a failed or cancelled run: where it stopped).
  Only ``relmine train --resume`` (or re-running a rules or cluster job under its id) queues an
  ended run again, as a new attempt;
* ``params``: JSON text;
* ``metrics``: JSON text, and every scalar figure as a flat typed ``metric_<name>`` property (numbers stay
  numbers, so Cypher and BI compare runs without parsing JSON): :func:`flat_metrics`;
* ``started_at``, ``updated_at``, ``finished_at``; a training run also keeps a ``log`` (its last 500 lines);
* artifacts, addressed the same way for every kind: ``run://<run id>/<name>`` (:func:`artifact_uri`),
  written and read with :func:`save_artifact` and :func:`read_artifact` (bytes, written once, loaded as
  tensors only, never as arbitrary pickles). The stored ones are a training run's ``model``, ``checkpoint``,
  ``graph`` and ``outputs``; the results of rules, cluster and motif runs are graph nodes keyed by the run
  id (``(:Rule {run})``, ``(:Cluster {run})``, ``(:Motif {run})``); an evaluate run's files (its PNG and
  JSON) stay in its ``--out`` folder, named in its params.

An ingest is not a ``(:Run)``: its ``(:Source)`` is its run record, keyed by the file's content and options
rather than by an attempt, so that the same command resumes it or, once done, writes nothing at all
(``docs/ingest.md``, *An ingest in the run model*); ``bi/run_comparison`` and the report show every source as
a run of kind ``ingest`` with its figures.

Runs recorded by an older relmine (motif runs' ``metrics_json``, training runs whose ``status`` was their
stage) are brought to this shape by ``relmine migrate`` (:func:`migrate_runs`).
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from relmine.errors import InputError, NotFound
from relmine.gateway import Gateway
from relmine.runid import RUN_ID, new_run_id, run_id_or_new  # noqa: F401  (RUN_ID, new_run_id re-exported)

log = logging.getLogger(__name__)

STATUSES = ("queued", "running", "done", "failed", "cancelled")
TERMINAL = ("done", "failed", "cancelled")
STAGES = ("pulling", "training", "testing", "embedding")  # a training run's sub-state while ``running``
LOG_LINES = 500  # lines of a run's log kept on the (:Run) (``log_count`` counts them all)


def check_run_id(run_id: str | None, kind: str) -> str:
    """A given run id (validated by :mod:`relmine.runid`) or a new one of ``kind``."""
    return run_id_or_new(run_id, kind)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def to_json(value: dict[str, Any] | str | None) -> str | None:
    """Params or metrics as the JSON text a run holds (text given is taken as it is)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(_json_safe(value), sort_keys=True)


def metric_name(*parts: object) -> str:
    """``metric_<a>_<b>``: each part with runs of characters other than letters, digits and ``@`` as ``_``
    (``hits@50`` stays, ``max lift`` is ``max_lift``); the one rule of every kind of run."""
    return "_".join(["metric", *(re.sub(r"[^A-Za-z0-9@]+", "_", str(p)) for p in parts)])


def flat_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """Scalar metrics as ``metric_<name>`` properties (nested dicts joined with ``_``, :func:`metric_name`):
    integers and booleans as they are, other real numbers as floats (non-finite ones and None left out),
    text as text."""
    out: dict[str, Any] = {}

    def walk(parts: tuple, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk((*parts, k), v)
        elif isinstance(value, (bool, str)):
            out[metric_name(*parts)] = value
        elif isinstance(value, numbers.Integral):
            out[metric_name(*parts)] = int(value)
        elif isinstance(value, numbers.Real) and math.isfinite(float(value)):
            out[metric_name(*parts)] = float(value)

    walk((), metrics)
    return out


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --- the lifecycle ---------------------------------------------------------------------------------------

def create_run(gw: Gateway, run_id: str, kind: str, params: dict[str, Any] | str) -> str:
    """Record a ``queued`` run (idempotent: an existing run keeps its state; re-using an id resumes it)."""
    gw.write("runs/create_run", {"run_id": run_id, "kind": kind, "params": to_json(params)})
    return run_id


def get_run(gw: Gateway, run_id: str) -> dict:
    """The whole ``(:Run)`` (its log too) with ``partitions_total`` and ``partitions_done``; read it once per
    task and pass it on."""
    row = gw.read_one("runs/get_run", {"run_id": run_id})
    if row is None or row["run"] is None:
        raise NotFound(f"no run {run_id!r}")
    return {**row["run"], "partitions_total": row["partitions_total"], "partitions_done": row["partitions_done"]}


def run_status(gw: Gateway, run_id: str) -> str | None:
    """Only the run's status (None when there is no such run): what a task checks between its steps."""
    row = gw.read_one("runs/get_status", {"run_id": run_id})
    return row["status"] if row else None


def run_progress(gw: Gateway, run_id: str) -> dict:
    """The run's ``status``, ``current``, ``params``, ``partitions_total`` and ``partitions_done``, without its
    log (what a task checks again after it has read the whole run once)."""
    row = gw.read_one("runs/get_progress", {"run_id": run_id})
    if row is None:
        raise NotFound(f"no run {run_id!r}")
    return row


def _check_state(props: dict[str, Any]) -> None:
    if "status" in props and props["status"] not in STATUSES:
        raise ValueError(f"run status {props['status']!r} is none of {STATUSES}")
    if props.get("stage") is not None and props["stage"] not in STAGES:
        raise ValueError(f"run stage {props['stage']!r} is none of {STAGES}")


def update_run(gw: Gateway, run_id: str, line: str | None = None, **props: Any) -> None:
    """Set properties on the run (``stage=`` moves a training run to ``running`` in that stage); with
    ``line``, also append it to the run's log."""
    if props.get("stage") is not None:
        props.setdefault("status", "running")
    _check_state(props)
    if line is None:
        gw.write("runs/update_run", {"run_id": run_id, "props": props})
        return
    log.info("run %s: %s", run_id, line)
    gw.write("runs/log_progress", {"run_id": run_id, "props": props, "line": f"{_stamp()} {line}"})


def set_stage(gw: Gateway, run_id: str, stage: str, line: str, **props: Any) -> None:
    """A training run is ``running`` in ``stage`` (``pulling``, ``training``, ...), with ``line`` on its log."""
    update_run(gw, run_id, line, stage=stage, **props)


def train_figures(metrics: dict[str, Any]) -> dict[str, Any]:
    """The figures of a training (or refresh) run's metrics that are flattened: its scalars
    (``metric_best_epoch``, ``metric_seconds_train``, ...), the test slice's per method
    (``metric_model_hits@50``, ``metric_ra_auc``), the ranking's (``metric_rank_model_precision@10``,
    ``metric_rank_coverage``) and the written blend's in-sample fit on the latest days
    (``metric_blend_fit_<method>_<name>``)."""
    figures = {k: v for k, v in metrics.items() if not isinstance(v, (dict, list))}
    figures.update(metrics.get("test") or {})
    ranking = metrics.get("ranking") or {}
    figures["rank"] = {m: v for m, v in ranking.items() if isinstance(v, dict)}
    if "coverage" in ranking:
        figures["rank"]["coverage"] = ranking["coverage"]
    written = ((metrics.get("blend") or {}).get("written") or {}).get("figures")
    if written:
        figures["blend_fit"] = written
    return figures


def flat_of(kind: str, metrics: dict[str, Any]) -> dict[str, Any]:
    """A run's flat ``metric_*`` properties from its metrics (a training run's through :func:`train_figures`)."""
    return flat_metrics(train_figures(metrics) if kind == "train" else metrics)


def set_metrics(gw: Gateway, run_id: str, metrics: dict[str, Any], *, kind: str = "train",
                stage: str | None = None, line: str | None = None, **props: Any) -> None:
    """A running run's figures: ``metrics`` as JSON text (as a training run always wrote them, a non-finite
    figure as ``NaN``) and as flat typed ``metric_*`` properties (:func:`flat_of`)."""
    if stage is not None:
        props["stage"] = stage
    update_run(gw, run_id, line, metrics=json.dumps(metrics), **flat_of(kind, metrics), **props)


def mark_done(gw: Gateway, run_id: str, line: str = "done") -> None:
    """The run is ``done`` (its stage cleared), with its finish time (kept on re-runs)."""
    update_run(gw, run_id, line, status="done", stage=None)
    gw.write("runs/mark_finished", {"run_id": run_id})


def end_run(gw: Gateway, run_id: str, status: str, line: str, **props: Any) -> dict:
    """Set ``status`` ('cancelled' or 'failed') on a run still going, with ``line`` on its log, in one
    transaction that a switch cannot interleave with (``runs/end_run``). ``{"was", "current", "ended"}``:
    ``ended`` False when it had ended already or was switched in, and then nothing changed."""
    if status not in ("cancelled", "failed"):
        raise ValueError(f"a run ends early as cancelled or failed, not {status!r}")
    row = gw.write("runs/end_run", {"run_id": run_id, "status": status, "props": props,
                                    "line": f"{_stamp()} {line}"}).records
    if not row:
        raise NotFound(f"no run {run_id!r}")
    if row[0]["ended"]:
        log.info("run %s: %s", run_id, line)
    return row[0]


def record_run(gw: Gateway, run_id: str, kind: str, params: dict[str, Any], metrics: dict[str, Any],
               status: str = "done") -> None:
    """Create or update ``(:Run {id})`` with JSON ``params``/``metrics`` and flat ``metric_*`` properties."""
    gw.write("runs/record_job", {
        "run_id": run_id, "kind": kind, "status": status,
        "params": to_json(params), "metrics": to_json(metrics),
        "flat": flat_metrics(metrics),
    })


def set_job_status(gw: Gateway, run_id: str, kind: str, status: str, *, params: dict[str, Any] | None = None,
                   error: str | None = None) -> None:
    """Move a rules, clusters, motifs or evaluate run to ``queued``, ``running`` or ``failed`` (``done`` is
    :func:`record_run`, with the figures). Refuses an id that a run of another kind holds."""
    rows = gw.write("runs/set_job_status", {
        "run_id": run_id, "kind": kind, "status": status, "error": error, "params": to_json(params),
    }).records
    if not rows:
        raise InputError(f"run {run_id!r} is a run of another kind: choose another --run")


def failure_reason(exc: BaseException) -> str:
    """The first line of ``<Type>: <message>``, at most 500 characters (what a failed run's ``error`` says)."""
    return (f"{type(exc).__name__}: {exc}".splitlines() or [type(exc).__name__])[0][:500]


@contextmanager
def job(gw: Gateway, run_id: str, kind: str, params: dict[str, Any], *, record: bool = True) -> Iterator[None]:
    """The run is ``running`` while the body works, and ``failed`` with the reason if the body raises
    (the body records ``done`` itself). With ``record`` false (nothing is written back) nothing is recorded."""
    if not record:
        yield
        return
    set_job_status(gw, run_id, kind, "running", params=params)
    try:
        yield
    except BaseException as exc:
        reason = failure_reason(exc)
        try:
            set_job_status(gw, run_id, kind, "failed", error=reason)
        except Exception as unrecorded:  # noqa: BLE001 (Neo4j gone too: the original error matters more)
            log.warning("run %s failed (%s) and that could not be recorded: %s", run_id, reason, unrecorded)
        raise


def latest_run(gw: Gateway, kind: str, *, level: str | None = None) -> str | None:
    """Id of the latest finished run of ``kind`` (for rules: optionally one holding rules of ``level``)."""
    row = gw.read_one("runs/latest_of_kind", {"kind": kind, "level": level})
    return row["id"] if row else None


# --- artifacts ---------------------------------------------------------------------------------------------

ARTIFACT_CHUNK = 8 * 2**20
# name -> (save statement, read statement); any other name is chunked bytes, (:Run)-[:HAS_ARTIFACT]->(:Artifact)
_OWN_NODES = {"model": ("runs/save_model", "runs/get_model"),             # (:Run)-[:HAS_MODEL]->(:Model)
              "checkpoint": ("runs/save_checkpoint", "runs/get_checkpoint")}  # kept until the run is done
_URI = re.compile(r"^run://(?P<run_id>[^/]+)/(?P<name>[a-z][a-z0-9_]*)$")


@dataclass(frozen=True)
class Artifact:
    uri: str
    data: bytes
    epoch: int | None = None  # a checkpoint's epoch


def artifact_uri(run_id: str, name: str) -> str:
    """``run://<run id>/<name>``: where any worker finds a run's artifact (:func:`read_artifact`)."""
    return f"run://{run_id}/{name}"


def parse_artifact_uri(uri: str) -> tuple[str, str]:
    """``(run id, name)`` of an artifact URI (the run id checked by :mod:`relmine.runid`)."""
    from relmine.runid import check_run_id as valid

    m = _URI.match(uri)
    if not m:
        raise InputError(f"{uri!r} is not a run artifact (run://<run id>/<name>)")
    return valid(m["run_id"]), m["name"]


def save_artifact(gw: Gateway, run_id: str, name: str, data: bytes, *, epoch: int | None = None) -> str:
    """Store bytes on the run under ``name`` (in chunks of at most 8 MiB, a model or checkpoint whole);
    returns its URI."""
    if name in _OWN_NODES:
        params: dict[str, Any] = {"run_id": run_id, "bytes": data}
        if name == "checkpoint":
            params["epoch"] = epoch
        gw.write(_OWN_NODES[name][0], params)
        return artifact_uri(run_id, name)
    chunks = [data[i:i + ARTIFACT_CHUNK] for i in range(0, len(data), ARTIFACT_CHUNK)] or [b""]
    for i, chunk in enumerate(chunks):
        gw.write("runs/save_artifact", {"run_id": run_id, "name": name, "chunk": i, "chunks": len(chunks),
                                        "bytes": chunk})
    return artifact_uri(run_id, name)


def read_artifact(gw: Gateway, run_id: str, name: str) -> Artifact | None:
    """The run's artifact ``name`` whole, or None when it has none (or only some of its chunks)."""
    uri = artifact_uri(run_id, name)
    if name in _OWN_NODES:
        row = gw.read_one(_OWN_NODES[name][1], {"run_id": run_id})
        return None if row is None else Artifact(uri, bytes(row["bytes"]), row.get("epoch"))
    rows = gw.read("runs/get_artifact", {"run_id": run_id, "name": name})
    if not rows or len(rows) != rows[0]["chunks"]:
        return None
    return Artifact(uri, b"".join(bytes(r["bytes"]) for r in rows))


def open_artifact(gw: Gateway, uri: str) -> Artifact | None:
    """The artifact at ``uri`` (``run://<run id>/<name>``)."""
    return read_artifact(gw, *parse_artifact_uri(uri))



# --- runs recorded by an older relmine -------------------------------------------------------------------

@dataclass
class RunsMigrated:
    runs: int = 0            # runs read
    metrics_json: int = 0    # motif runs whose ``metrics_json`` became ``metrics``
    stages: int = 0          # training runs whose status was their stage
    flat: int = 0            # runs given flat ``metric_*`` properties they lacked (or held with another value)


def _parse(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def migrate_runs(gw: Gateway) -> RunsMigrated:
    """Bring every ``(:Run)`` to the one shape (``relmine migrate``); idempotent (a second pass changes nothing).

    * a motif run's ``metrics_json`` (before issue 28) becomes ``metrics`` (when it has none) and goes;
    * a training run whose ``status`` was its stage (``pulling``, ``training``, ``testing``, ``embedding``)
      is ``running`` in that ``stage``;
    * every run gets the flat typed ``metric_*`` properties of its metrics (:func:`flat_of`) that it lacks
      (a training run recorded before them has no ``metric_best_epoch``, a motif run none at all).
    Nothing is removed but ``metrics_json``: flat properties under other names stay as they are.
    """
    report = RunsMigrated()
    for run in gw.read("runs/all_for_migration"):
        report.runs += 1
        props: dict[str, Any] = {}
        metrics_text = run["metrics"]
        legacy = run["metrics_json"] is not None
        if legacy:
            report.metrics_json += 1
            if metrics_text is None:
                metrics_text = props["metrics"] = run["metrics_json"]
        if run["status"] in STAGES:
            report.stages += 1
            props.update(status="running", stage=run["status"])
        metrics = _parse(metrics_text)
        if metrics is not None:
            have = {k: v for k, v in run["flat"]}
            missing = {k: v for k, v in flat_of(run["kind"], metrics).items() if have.get(k) != v}
            if missing:
                report.flat += 1
                props.update(missing)
        if props or legacy:
            gw.write("runs/migrate_run", {"run_id": run["id"], "props": props})
    return report
