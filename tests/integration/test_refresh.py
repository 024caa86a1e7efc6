"""``relmine refresh`` (issue 27 item 3): the current model served over the graph as it is now, no training.

Real Neo4j, real RabbitMQ, a real worker: a product that arrives after training gets an embedding and
predicted relations from a full refresh, which becomes the current run with the source run's very model;
an incremental refresh (the default) writes only the products whose neighbourhood changed, into the current
run, with the values a full re-embedding gives them, and leaves every other product as it was.
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

    out = relmine(["refresh", "--full", "--run-id", "refresh-rf-1", "--wait", "--timeout", "600"], worker.client_env())
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

    # a refresh of the refresh (the daily cycle) serves the same model again; nothing changed since, so the
    # incremental refresh (the default) embeds nothing again and refresh-rf-1 stays current
    out = relmine(["refresh", "--wait", "--timeout", "600"], worker.client_env())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "(refreshes refresh-rf-1's model)" in out.stdout
    assert "done: 0 of 161 products refreshed in place in refresh-rf-1" in out.stderr, out.stderr
    assert {r["id"] for r in gw.read(RUNS) if r["current"]} == {"refresh-rf-1"}


SNAPSHOT = Statement("MATCH (p:Product) RETURN p.sku AS sku, p.embedding AS embedding, p.embedding_run AS run, "
                     "[(p)-[r:PREDICTED]->(q) | [q.sku, r.run, r.type, r.score, r.rank]] AS predicted, "
                     "[(p)-[r]-(q:Product) WHERE r.attention IS NOT NULL | [type(r), q.sku, r.attention, "
                     "r.attention_run]] AS attention ORDER BY sku", "t/rf_snapshot")
NEW2 = Statement("CREATE (p:Product {sku: 'NEW2', title: 'knife blade item new', category: 'Kitchen > Knives', "
                 "price: 12.0}) WITH p UNWIND ['P0002', 'P0006'] AS other MATCH (q:Product {sku: other}) "
                 "CREATE (p)-[:CO_PURCHASED {count: 2, weight: 2.0}]->(q)", "t/rf_new2")
RUN = Statement("MATCH (r:Run {id: $run_id}) RETURN r.status AS status, coalesce(r.current, false) AS current, "
                "r.metrics AS metrics, r.state_run AS state_run, r.refreshed_by AS refreshed_by", "t/rf_run")


def test_an_incremental_refresh_equals_a_full_reembedding_where_it_writes_and_changes_nothing_elsewhere(
        graph, clean_graph, worker_factory, amqp_url):
    """After the tests above: refresh-rf-1 is current. A new product with two relations arrives; the refresh
    embeds again only the products within two hops (the model's layers) of what changed, with the very values a
    full re-embedding of the graph now gives them, and writes them into refresh-rf-1; every other product's
    vector, [:PREDICTED] and relation attention stay exactly as they were."""
    import json

    import numpy as np
    import torch

    from relmine import runs
    from relmine.gnn.embedspace import center_normalise
    from relmine.gnn.edges import paths3_forced
    from relmine.learn.pull import pull_learning_graph
    from relmine.learn.pipeline import _local_types, full_graph_outputs, load_model, load_tensors, paths3_mode_of
    from relmine.learn.spec import TrainSpec

    gw = clean_graph
    worker = worker_factory(amqp_url)
    current = {r["id"] for r in gw.read(RUNS) if r["current"]}
    assert current == {"refresh-rf-1"}, current  # left by the test above
    before = {r["sku"]: r for r in gw.read(SNAPSHOT)}
    # what refresh-rf-1 serves was last written by the (empty) incremental refresh of the test above
    last = gw.read_one(RUN, {"run_id": "refresh-rf-1"})["state_run"]
    assert last is not None and last.startswith("refresh-")
    gw.write(NEW2)

    out = relmine(["refresh", "--run-id", "refresh-rf-inc", "--wait", "--timeout", "600"], worker.client_env())
    assert out.returncode == 0, out.stdout + out.stderr + worker.output()[-3000:]
    run, source = gw.read_one(RUN, {"run_id": "refresh-rf-inc"}), gw.read_one(RUN, {"run_id": "refresh-rf-1"})
    assert run["status"] == "done" and not run["current"]
    assert source["current"] and source["state_run"] == "refresh-rf-inc" and source["refreshed_by"] == "refresh-rf-inc"
    m = json.loads(run["metrics"])
    assert m["refresh_mode"] == "incremental" and m["compared_with"] == last
    assert m["products"] == 162 and m["products_new"] == 1 and m["relations_new"] == 2 and m["relations_gone"] == 0
    assert 3 <= m["products_reembedded"] < 162
    assert all(m[f"seconds_{s}"] >= 0 for s in ("pull", "diff", "embed", "rank", "save", "writeback", "total"))

    # which products the refresh re-embedded, and the centre the serving run's vectors are written with
    graph_ = load_tensors(runs.read_artifact(gw, "refresh-rf-inc", "graph").data)
    outputs = load_tensors(runs.read_artifact(gw, "refresh-rf-inc", "outputs").data)
    refreshed = {s for s, r in zip(graph_["skus"], outputs["refreshed"].tolist()) if r}
    assert len(refreshed) == m["products_reembedded"] and {"NEW2", "P0002", "P0006"} <= refreshed

    # a full re-embedding of the graph now with the same model
    model = load_model(gw, "refresh-rf-1")
    spec = TrainSpec.from_json(gw.read_one(Statement("MATCH (r:Run {id: 'refresh-rf-1'}) RETURN r.params AS p",
                                                     "t/rf_params"))["p"])
    types = list(outputs["types"])
    lg = pull_learning_graph(gw, types, spec.relation_filter(), text_dim=spec.text_features)
    assert lg.skus == list(graph_["skus"])
    with paths3_forced(paths3_mode_of(lg)):
        full, _ = full_graph_outputs(model, lg, _local_types(types)[lg.types], spec.max_step_edges)
    written_full = center_normalise(full, outputs["centre"])
    after = {r["sku"]: r for r in gw.read(SNAPSHOT)}
    for i, sku in enumerate(lg.skus):
        now = after[sku]
        if sku in refreshed:
            assert now["run"] == "refresh-rf-1"
            assert torch.allclose(torch.tensor(now["embedding"]), written_full[i], atol=1e-5), sku
            assert torch.allclose(outputs["embeddings"][i], full[i], atol=1e-5), sku
            assert 1 <= len(now["predicted"]) <= 5 and {p[1] for p in now["predicted"]} == {"refresh-rf-1"}
        else:
            # untouched: exactly as before, and (since their neighbourhood did not change) what a full
            # re-embedding gives them too
            assert now["embedding"] == before[sku]["embedding"] and now["run"] == before[sku]["run"], sku
            assert sorted(now["predicted"]) == sorted(before[sku]["predicted"]), sku
            assert torch.allclose(torch.tensor(now["embedding"]), written_full[i], atol=1e-5), sku
            # attention on relations between untouched products is unchanged
            same = [a for a in now["attention"] if a[1] not in refreshed]
            assert sorted(same) == sorted(a for a in before[sku]["attention"] if a[1] not in refreshed), sku
    # the vector index finds the new product by its own vector
    near = gw.read(Statement("MATCH (p:Product {sku: 'NEW2'}) CALL db.index.vector.queryNodes('product_embedding', 1, "
                             "p.embedding) YIELD node RETURN node.sku AS sku", "t/rf_vector"))
    assert [r["sku"] for r in near] == ["NEW2"]
    assert gw.read_one(STALE, {"run": "refresh-rf-1"})["n"] == 0  # one run's predictions
