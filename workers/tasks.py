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


def _home():
    from relmine.config import Settings

    return Settings.from_env().home


def _gateway():
    from relmine.config import Settings
    from relmine.gateway import Gateway

    return Gateway(Settings.from_env(), app="relmine-worker")


def _run_id_of(task, args, kwargs) -> str:
    """The ``run_id`` argument of a call of ``task``, however it was passed."""
    import inspect

    return inspect.signature(task.run).bind(*args, **kwargs).arguments["run_id"]


class RunTask(app.Task):
    """Marks the run failed once the task has failed for good (retries exhausted or a non-transient error)."""

    abstract = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from relmine.learn.pipeline import fail_run
        from relmine.runid import check_run_id

        try:
            run_id = check_run_id(_run_id_of(self, args, kwargs))
            with _gateway() as gw:
                fail_run(gw, run_id, f"{type(exc).__name__}: {exc}")
        except Exception:  # the failure itself is already logged by Celery
            pass


@app.task(name="relmine.train_run", bind=True, base=RunTask, **RETRY)
def train_run(self, run_id: str) -> dict:
    """Train run ``run_id`` (resuming from its checkpoint), then fan out one embed task per partition."""
    from relmine.learn.pipeline import RunCancelled, begin_attempt, end_attempt, pull_train_embed
    from relmine.runid import check_run_id

    run_id = check_run_id(run_id)  # once, before the graph or the disk is touched
    with _gateway() as gw:
        if not begin_attempt(gw, run_id, self.request.hostname or socket.gethostname()):
            return {"run": run_id, "failed": "workers lost"}
        try:
            partitions = pull_train_embed(gw, run_id, _home())
        except RunCancelled:
            return {"run": run_id, "cancelled": True}
        finally:  # raised or returned: this worker was not lost (a SIGKILL never gets here)
            try:
                end_attempt(gw, run_id)
            except Exception:  # noqa: BLE001 - the graph may be what failed; the next attempt counts it lost
                pass
        publish_partitions(gw, run_id, partitions)
    return {"run": run_id, "partitions": partitions}


def publish_partitions(gw, run_id: str, numbers: list[int]) -> None:
    """Queue one embed task per partition, through a broker outage (:mod:`relmine.workers.publish`),
    recording each in the graph once the broker has it (a redelivered task then publishes only the rest)."""
    from relmine.learn.pipeline import mark_published, update_run
    from relmine.workers.publish import broker_errors, send_with_retry

    if not numbers:
        return
    errors = broker_errors(app)
    for number in numbers:
        send_with_retry(lambda: embed_partition.apply_async(args=[run_id, number], queue="embed"),
                        f"the write-back of partition {number}", errors,
                        on_wait=lambda line: update_run(gw, run_id, f"embedding: {line}"))
        mark_published(gw, run_id, number)
    update_run(gw, run_id, f"embedding: {len(numbers)} partitions queued")


@app.task(name="relmine.embed_partition", bind=True, base=RunTask, **RETRY)
def embed_partition(self, run_id: str, number: int) -> dict:
    """Write embeddings, attention and predicted relations of one partition of ``run_id``."""
    from relmine.learn.pipeline import write_back_partition
    from relmine.runid import check_run_id

    run_id = check_run_id(run_id)  # once, before the graph is touched
    with _gateway() as gw:
        written = write_back_partition(gw, run_id, number, _home())
    return {"run": run_id, "partition": number, **written}


def queued_spec(spec: dict) -> dict:
    """A mine task's spec as the specs name their fields now: a task queued by a CLI from before the run id
    had one name carries it as ``run`` (still in the broker across an upgrade), and runs as ``run_id``."""
    if "run" in spec and "run_id" not in spec:
        spec = {("run_id" if key == "run" else key): v for key, v in spec.items()}
    return spec


@app.task(name="relmine.mine_rules", bind=True, **RETRY)
def mine_rules(self, spec: dict) -> dict:
    """Association rules (queue ``mine``, sent by ``relmine rules --queue``); ``spec`` holds
    :class:`relmine.rules.association.RulesSpec` fields, the run id among them. The run's (:Run) says
    ``running``, then ``done`` or ``failed``; a bad spec fails the task (nothing to retry)."""
    from relmine.rules.association import RulesSpec, mine_rules as mine

    spec = queued_spec(spec)
    if "levels" in spec:
        spec = {**spec, "levels": tuple(spec["levels"])}
    with _gateway() as gw:
        result = mine(gw, RulesSpec(**spec))
    return {"run": result.run_id, "written": result.written, "metrics": result.metrics()}


@app.task(name="relmine.mine_clusters", bind=True, **RETRY)
def mine_clusters(self, spec: dict) -> dict:
    """Clusters (queue ``mine``, sent by ``relmine clusters --queue``); ``spec`` holds
    :class:`relmine.clusters.ClusterSpec` fields, the run id among them (as ``mine_rules``)."""
    from relmine.clusters import ClusterSpec, cluster_products

    spec = queued_spec(spec)
    if "attributes" in spec:
        spec = {**spec, "attributes": tuple(spec["attributes"] or ())}
    with _gateway() as gw:
        result = cluster_products(gw, ClusterSpec(**spec))
    return {"run": result.run_id, "clusters": len(result.clusters), "metrics": result.metrics()}
