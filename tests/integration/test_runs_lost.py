"""A run whose worker is lost twice fails with the reason (real Neo4j; attempts as the task opens them)."""

from __future__ import annotations

import pytest

from relmine.learn import pipeline
from relmine.learn.spec import TrainSpec

pytestmark = pytest.mark.integration


def test_a_run_fails_with_a_reason_after_two_lost_workers_and_resume_starts_the_count_again(clean_graph):
    gw = clean_graph
    run = pipeline.create_run(gw, TrainSpec(epochs=1), "train-lost-1")
    # a worker that finishes (or raises) closes its attempt: nothing is counted lost
    assert pipeline.begin_attempt(gw, run, "celery@a")
    pipeline.end_attempt(gw, run)
    assert pipeline.get_run(gw, run).get("workers_lost") == 0
    # two workers killed mid-task: their attempts stay open, the next delivery counts them
    assert pipeline.begin_attempt(gw, run, "celery@b")      # opened, then the worker is SIGKILLed
    assert pipeline.begin_attempt(gw, run, "celery@c")      # lost 1: still tried, logged
    assert pipeline.get_run(gw, run)["workers_lost"] == 1
    assert not pipeline.begin_attempt(gw, run, "celery@d")  # lost 2: the run fails instead
    failed = pipeline.get_run(gw, run)
    assert failed["status"] == "failed" and failed["workers_lost"] == 2
    assert "lost 2 times" in failed["error"] and "--max-step-edges" in failed["error"]
    assert any("a worker was lost mid-task (1 of 2 allowed)" in line for line in failed["log"])
    # --resume queues it again with a fresh count
    pipeline.resume_run(gw, run)
    resumed = pipeline.get_run(gw, run)
    assert resumed["status"] == "queued" and resumed["workers_lost"] == 0
    assert pipeline.begin_attempt(gw, run, "celery@e")
    pipeline.cancel_run(gw, run)
