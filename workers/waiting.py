"""Workers wait for Neo4j; commands do not.

A worker process makes its gateways patient (:class:`relmine.gateway.Patience`): a
statement that finds Neo4j unreachable waits for it, up to :data:`WAIT_S` from the
statement's start, with a ``waiting for Neo4j at URI (N s so far)`` line in the worker's log
at once and every half minute after, and then runs again. Celery's autoretry
of :class:`relmine.errors.GraphUnavailable` (``workers/tasks.py``) stays the outer bound.

The run's log hears of the wait only afterwards: while Neo4j is down nothing can be
written to the run, so once Neo4j answers again the task appends ``waited N s for Neo4j``
to the run it is working on (a task of :class:`relmine.workers.tasks.RunTask`, whose first
argument is the run id).
"""

from __future__ import annotations

import contextvars

from celery import signals

from relmine.gateway import Gateway, Patience, set_default_patience

WAIT_S = 600.0  # Neo4j stopped 5.5 minutes during a write-back in issue 29; one call outlasts that
_run: contextvars.ContextVar[str | None] = contextvars.ContextVar("relmine_run", default=None)


def note_wait_on_run(gw: Gateway, waited_s: float) -> None:
    """Append the wait to the current task's run (nothing when the task has no run)."""
    run_id = _run.get()
    if run_id is None:
        return
    from relmine.learn.pipeline import update_run

    update_run(gw, run_id, f"waited {waited_s:.0f} s for Neo4j at {gw.uri} (unreachable; the worker kept "
                           "retrying and this line could only be written once it answered)")


WORKER_PATIENCE = Patience(wait_s=WAIT_S, on_back=note_wait_on_run)


@signals.worker_init.connect
@signals.worker_process_init.connect
def _patient_worker(**_) -> None:
    set_default_patience(WORKER_PATIENCE)


@signals.task_prerun.connect
def _remember_run(task=None, args=None, **_) -> None:
    from relmine.workers.tasks import RunTask

    _run.set(args[0] if isinstance(task, RunTask) and args else None)


@signals.task_postrun.connect
def _forget_run(**_) -> None:
    _run.set(None)
