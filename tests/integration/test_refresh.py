"""``relmine refresh`` (issue 27 item 3): the current model served over the graph as it is now, no training.

Real Neo4j, real RabbitMQ, a real worker: a product that arrives after training gets an embedding and
predicted relations from the refresh, which becomes the current run with the source run's very model.
"""

from __future__ import annotations

import pytest

from relmine.gateway import Statement
from tests.conftest import wipe
from tests.integration.learn_graph import load_small_graph
from tests.integration.test_learn import relmine

pytestmark = pytest.mark.integration

TRAIN = ["train", "--partition-size", "1000", "--epochs", "2", "--hidden", "16", "--heads", "2", "--top-k", "5",
         "--seed", "3", "--run-id", "train-rf-1", "--wait", "--timeout", "600"]
NEW = Statement("MERGE (p:Product {sku: 'NEW1'}) SET p.title = 'lens zoom item new', p.category = 'Camera > Lenses', "
                "p.price = 20.0 WITH p UNWIND ['P0000', 'P0004', 'P0008', 'P0012'] AS other "
                "MATCH (q:Product {sku: other}) MERGE (p)-[r:CO_PURCHASED]->(q) SET r.count = 3, r.weight = 3.0",
                "t/rf_new")
PRODUCT = Statement("MATCH (p:Product {sku: $sku}) RETURN p.embedding IS NOT NULL AS embedded, p.embedding_run AS run, "
                    "COUNT { (p)-[:PREDICTED {run: p.embedding_run}]->() } AS predicted", "t/rf_product")
RUNS = Statement("MATCH (r:Run {kind: 'train'}) RETURN r.id AS id, r.status AS status, "
                 "coalesce(r.current, false) AS current, r.refresh_of AS refresh_of ORDER BY id", "t/rf_runs")
MODELS = Statement("MATCH (r:Run)-[:HAS_MODEL]->(m:Model) RETURN r.id AS id, m.bytes AS bytes ORDER BY id", "t/rf_m")
STALE = Statement("MATCH ()-[r:PREDICTED]->() WHERE r.run <> $run RETURN count(r) AS n", "t/rf_stale")


@pytest.fixture(scope="module")
def graph(clean_graph):
    wipe(clean_graph)
    return load_small_graph(clean_graph)


def test_refresh_without_a_trained_run_says_what_to_do(graph, clean_graph, worker_factory, amqp_url):
    worker = worker_factory(amqp_url)
    out = relmine(["refresh"], worker.client_env(), timeout=120)
    assert out.returncode != 0 and "no current training run to refresh: `relmine train` first" in out.stderr


def test_a_product_that_arrives_after_training_is_embedded_and_predicted_by_the_refresh(graph, clean_graph,
                                                                                          worker_factory, amqp_url):
    gw = clean_graph
    worker = worker_factory(amqp_url)
    out = relmine(TRAIN, worker.client_env())
    assert out.returncode == 0, out.stdout + out.stderr + worker.output()[-3000:]
    gw.write(NEW)
    assert gw.read_one(PRODUCT, {"sku": "NEW1"})["embedded"] is False

    out = relmine(["refresh", "--run-id", "refresh-rf-1", "--wait", "--timeout", "600"], worker.client_env())
    assert out.returncode == 0, out.stdout + out.stderr + worker.output()[-3000:]
    assert "run refresh-rf-1 queued on 'train' (refreshes train-rf-1's model)" in out.stdout
    assert "with train-rf-1's model (no training)" in out.stderr and "training: epoch" not in out.stderr
    new = gw.read_one(PRODUCT, {"sku": "NEW1"})
    assert new["embedded"] and new["run"] == "refresh-rf-1" and new["predicted"] == 5
    old = gw.read_one(PRODUCT, {"sku": "P0001"})
    assert old["run"] == "refresh-rf-1" and old["predicted"] > 0  # every product is served by the refresh
    runs = {r["id"]: r for r in gw.read(RUNS)}
    assert runs["refresh-rf-1"]["status"] == "done" and runs["refresh-rf-1"]["current"]
    assert runs["refresh-rf-1"]["refresh_of"] == "train-rf-1" and not runs["train-rf-1"]["current"]
    models = {r["id"]: bytes(r["bytes"]) for r in gw.read(MODELS)}
    assert models["refresh-rf-1"] == models["train-rf-1"]  # the very model: nothing was trained
    assert gw.read_one(STALE, {"run": "refresh-rf-1"})["n"] == 0  # the older run's predictions went at the switch

    # a refresh of the refresh (the daily cycle) serves the same model again
    out = relmine(["refresh", "--wait", "--timeout", "600"], worker.client_env())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "(refreshes refresh-rf-1's model)" in out.stdout
