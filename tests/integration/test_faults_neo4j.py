"""Issue 29: Neo4j stopped while a real worker writes a training run back.

Real Neo4j (relmine's local server, stopped and started again), a real ``relmine worker`` per queue,
kombu's filesystem broker. The worker waits for Neo4j instead of failing its task, logs
``waiting for Neo4j``, and once Neo4j answers, the run's log says how long it waited.
"""

from __future__ import annotations

import os
import time

import pytest

from relmine.gateway import Statement
from relmine.learn import pipeline
from tests.conftest import wipe
from tests.integration.learn_graph import load_small_graph
from tests.integration.test_learn import relmine

pytestmark = pytest.mark.integration

RUN = "train-neo4j-down-1"
DOWN_S = 10
PAIRS = Statement("MATCH (a:Product)-[r:PREDICTED {run: $run}]->(b:Product) "
                  "RETURN count(r) AS n, count(DISTINCT [a.sku, b.sku, r.type]) AS distinct", "t/pred_pairs")


def _wait_for(gw, what: str, ok, worker, timeout: float = 900) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        run = pipeline.get_run(gw, RUN)
        if ok(run):
            return run
        assert run["status"] not in ("failed", "cancelled"), (run, worker.output()[-4000:])
        assert time.monotonic() < deadline, f"no {what}: {run['status']}\n" + worker.output()[-4000:]
        time.sleep(0.05)


def test_a_worker_waits_through_neo4j_stopped_mid_write_back_and_the_run_says_so(clean_graph, neo4j_settings,
                                                                                  worker_factory):
    if os.environ.get("NEO4J_URI"):
        pytest.skip("stops and starts relmine's own local server; NEO4J_URI points elsewhere")
    from relmine.server import LocalNeo4j

    gw = clean_graph
    wipe(gw)
    products = load_small_graph(gw)["products"]
    trainer = worker_factory(None, queues="train")
    queued = relmine(["train", "--partition-size", "5", "--epochs", "3", "--hidden", "16", "--heads", "2",
                      "--top-k", "3", "--seed", "7", "--run-id", RUN], trainer.client_env())
    assert queued.returncode == 0, queued.stdout + queued.stderr
    # the write-back is queued (32 partitions of 5 products) before any embed worker exists
    _wait_for(gw, "write-back", lambda r: r.get("stage") == "embedding" and r["partitions_total"], trainer)
    embedder = worker_factory(None, queues="embed")
    _wait_for(gw, "first partition", lambda r: r["partitions_done"] >= 1, embedder)
    # The worker is frozen while Neo4j stops: 32 partitions take a few seconds, a clean shutdown about as long,
    # and a worker left running could finish the write-back before Neo4j is down (the CI run of 28488c7 did).
    embedder.pause()
    try:
        before = pipeline.get_run(gw, RUN)
        server = LocalNeo4j(neo4j_settings)
        assert server.stop()  # mid write-back: the embed worker is on a partition or about to take the next
    finally:
        embedder.resume()
    time.sleep(DOWN_S)
    server.start()

    done = _wait_for(gw, "end", lambda r: r["status"] == "done", embedder)
    waited = [line for line in done["log"] if " s for Neo4j at " in line]
    out = embedder.output()
    assert before["partitions_done"] < before["partitions_total"] == products // 5
    assert done["partitions_done"] == done["partitions_total"]
    assert len(waited) >= 1 and "waited " in waited[0], done["log"][-15:]
    assert "waiting for Neo4j at bolt://" in out and " s so far) to run " in out, out[-4000:]
    assert "answers again after" in out
    pairs = gw.read_one(PAIRS, {"run": RUN})
    assert pairs["n"] == pairs["distinct"] > 0  # nothing written twice
    print("run log:", *waited, sep="\n  ")
    print("worker log:", *[line for line in out.splitlines() if "Neo4j" in line], sep="\n  ")
