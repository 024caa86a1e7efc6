"""Representation learning end to end: a real worker on RabbitMQ trains, embeds and writes back."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import torch

from relmine.gateway import Statement

pytestmark = pytest.mark.integration

SNAPSHOT = {
    "embeddings": Statement("MATCH (p:Product) WHERE p.embedding IS NOT NULL "
                            "RETURN p.sku AS sku, p.embedding AS e, p.embedding_run AS run ORDER BY sku", "t/emb"),
    "attention": Statement("MATCH (a:Product)-[r]->(b:Product) WHERE r.attention IS NOT NULL "
                           "RETURN a.sku AS a, b.sku AS b, type(r) AS t, r.attention AS att ORDER BY a, b, t", "t/att"),
    "predicted": Statement("MATCH (a:Product)-[r:PREDICTED]->(b:Product) "
                           "RETURN a.sku AS a, b.sku AS b, r.run AS run, r.type AS type, r.score AS score, "
                           "r.rank AS rank ORDER BY a, b, run", "t/pred"),
}
DUPLICATES = Statement("MATCH (a)-[r:PREDICTED]->(b) WITH a, b, r.run AS run, count(*) AS n WHERE n > 1 "
                       "RETURN count(*) AS dup", "t/dup")
PREDICTED_OBSERVED = Statement(
    "MATCH (a:Product)-[:PREDICTED]->(b:Product) WHERE EXISTS { (a)-[:CO_PURCHASED|CO_VIEWED]-(b) } "
    "RETURN count(*) AS n", "t/pred_obs")


def snapshot(gw) -> dict:
    return {k: gw.read(st) for k, st in SNAPSHOT.items()}


def relmine(args, env, timeout=900):
    return subprocess.run([sys.executable, "-m", "relmine.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


ARGS = ["train", "--partition-size", "80", "--epochs", "3", "--hidden", "16", "--heads", "2", "--top-k", "5",
        "--run-id", "train-test-1", "--wait", "--timeout", "800"]


def test_train_end_to_end_through_real_worker(small_learn_graph, clean_graph, worker_factory, amqp_url):
    gw = clean_graph
    worker = worker_factory(amqp_url)
    result = relmine(ARGS, worker.client_env())
    assert result.returncode == 0, result.stdout + result.stderr + worker.output()[-4000:]
    assert "run train-test-1 done" in result.stdout
    # the worker's log reaches the user line by line, however fast the run is
    for epoch in (1, 2, 3):
        assert f"training: epoch {epoch}/3, loss" in result.stderr, result.stderr
    assert "embedding: partition" in result.stderr
    assert any(line.endswith("Z done") for line in result.stderr.splitlines()), result.stderr

    snap = snapshot(gw)
    assert len(snap["embeddings"]) == small_learn_graph["products"]
    assert all(len(r["e"]) == 16 and r["run"] == "train-test-1" for r in snap["embeddings"])
    # the default filter (--min-count 2) learns from the co-purchases seen twice and from every co-view
    # (CO_VIEWED has no counts to filter by); relations left out get no attention, and none is predicted
    assert 0 < small_learn_graph["co_purchased_twice"] < small_learn_graph["co_purchased"]
    assert len(snap["attention"]) == small_learn_graph["co_purchased_twice"] + small_learn_graph["co_viewed"]
    assert all(0.0 <= r["att"] <= 1.0 for r in snap["attention"])
    per_product: dict[str, int] = {}
    for r in snap["predicted"]:
        per_product[r["a"]] = per_product.get(r["a"], 0) + 1
        assert 0.0 <= r["score"] <= 1.0 and r["run"] == "train-test-1" and 1 <= r["rank"] <= 5
    assert per_product and max(per_product.values()) <= 5
    assert gw.read_one(PREDICTED_OBSERVED)["n"] == 0
    assert gw.read_one(DUPLICATES)["dup"] == 0
    run = gw.read_one(Statement("MATCH (r:Run {id: 'train-test-1'}) RETURN r.status AS status, r.epoch AS epoch, "
                                "r.params AS params, r.metrics AS metrics", "t/run"))
    assert run["status"] == "done" and run["epoch"] == 3 and '"epochs": 3' in run["params"]
    # a done run keeps its model; its checkpoint is deleted, and of its write-back artifacts only the graph and
    # outputs it serves stay while it is current (an incremental refresh compares the graph with them)
    kept = gw.read_one(Statement("MATCH (r:Run {id: 'train-test-1'}) RETURN COUNT { (r)-[:HAS_MODEL]->(:Model) } AS m, "
                                 "COLLECT { MATCH (r)-[:HAS_ARTIFACT]->(a:Artifact) RETURN DISTINCT a.name } AS a, "
                                 "COUNT { (r)-[:HAS_CHECKPOINT]->(:Checkpoint) } AS c", "t/kept"))
    assert kept["m"] == 1 and sorted(kept["a"]) == ["graph", "outputs"] and kept["c"] == 0
    # the run's own test figures, for the model and RA on the same held-out slice, in the BI query
    metrics = json.loads(run["metrics"])
    for method in ("model", "ra", "cn", "aa"):
        assert set(metrics["test"][method]) == {"auc", "hits@20", "hits@50", "hits@100", "mrr"}
        assert all(0.0 <= v <= 1.0 for v in metrics["test"][method].values())
    bi = {r["run"]: dict(r["metric_values"]) for r in gw.read("bi/run_comparison", {"kind": "train", "limit": 5})}
    assert bi["train-test-1"]["model_auc"] == metrics["test"]["model"]["auc"]  # numbers, not text
    assert bi["train-test-1"]["ra_hits@50"] == metrics["test"]["ra"]["hits@50"]
    assert metrics["best_epoch"] in range(3) and metrics["val_metric"] == "hits@50"
    # `relmine evaluate --run` scores the shipped model again on the run's own slice: the same figures
    rescored = relmine(["evaluate", "--run", "train-test-1"], worker.client_env())
    assert rescored.returncode == 0, rescored.stdout + rescored.stderr
    from relmine.learn.pipeline import evaluate_run

    again_test = evaluate_run(gw, "train-test-1")
    assert again_test["same_graph"]
    for method, vals in metrics["test"].items():
        assert again_test["test"][method] == pytest.approx(vals, abs=1e-6)
    assert f"{metrics['test']['model']['auc']:.4f}" in rescored.stdout

    # every product, border ones included (two partitions of 80), is embedded from the whole graph,
    # and written centred on the mean of all of them and L2-normalised (relmine.gnn.embedspace)
    from relmine.gnn.embedspace import center_normalise
    from relmine.learn.pull import pull_learning_graph
    from relmine.learn.pipeline import _local_types, load_model
    from relmine.learn.spec import TrainSpec

    model = load_model(gw, "train-test-1")
    types = json.loads(run["params"])["relation_types"] or ["CO_PURCHASED", "CO_VIEWED"]
    lg = pull_learning_graph(gw, types, TrainSpec.from_json(run["params"]).relation_filter())  # the run's graph
    whole = lg.data(types=_local_types(types)[lg.types])
    with torch.no_grad():
        reference = center_normalise(model.encode(whole.x, whole.edge_index, whole.edge_type, whole.edge_weight))
    stored = {r["sku"]: r["e"] for r in snap["embeddings"]}
    got = torch.tensor([stored[s] for s in lg.skus])
    assert torch.allclose(got, reference, atol=1e-5), (got - reference).abs().max()

    near = relmine(["neighbours", "P0001", "-k", "3"], worker.client_env())
    assert near.returncode == 0 and near.stdout.count("\n") == 5, near.stdout + near.stderr  # header, rule, 3 rows

    # the same run again changes nothing
    again = relmine(ARGS, worker.client_env())
    assert again.returncode == 0, again.stdout + again.stderr
    assert snapshot(gw) == snap


KILL_EPOCHS = 120


def test_sigkill_mid_training_resumes_without_duplicates(small_learn_graph, clean_graph, worker_factory, amqp_url):
    gw = clean_graph
    worker = worker_factory(amqp_url)
    # enough epochs that even a fast machine is still training when the poll sees epoch 2
    args = ["train", "--partition-size", "80", "--epochs", str(KILL_EPOCHS), "--patience", str(KILL_EPOCHS),
            "--hidden", "16", "--heads", "2", "--top-k", "5", "--run-id", "train-test-kill"]
    result = relmine(args, worker.client_env())
    assert result.returncode == 0, result.stderr
    deadline = time.monotonic() + 600
    while True:  # wait until training has checkpointed a few epochs
        row = gw.read_one(Statement("MATCH (r:Run {id: 'train-test-kill'}) "
                                    "RETURN CASE r.status WHEN 'running' THEN r.stage ELSE r.status END AS s, "
                                    "r.epoch AS e", "t/poll"))
        if row and row["s"] == "training" and (row["e"] or 0) >= 2:
            break
        assert time.monotonic() < deadline, worker.output()[-3000:]
        time.sleep(0.1)
    worker.kill()
    killed_at = row["e"]
    second = worker_factory(amqp_url)
    done = relmine(["run-status", "train-test-kill", "--wait"], second.client_env())
    assert done.returncode == 0, done.stdout + done.stderr + second.output()[-4000:]
    run = gw.read_one(Statement("MATCH (r:Run {id: 'train-test-kill'}) RETURN r.status AS status, "
                                "r.metrics AS metrics, r.epoch AS epoch, r.workers_lost AS lost", "t/run2"))
    assert run["status"] == "done" and run["epoch"] == KILL_EPOCHS
    assert run["lost"] == 1  # the killed worker was counted as lost, once
    assert '"resumed_from": null' not in run["metrics"], run["metrics"]  # the redelivered task resumed
    assert killed_at >= 2
    assert gw.read_one(DUPLICATES)["dup"] == 0
    # a newer completed run removed the older run's predictions
    runs = gw.read(Statement("MATCH ()-[r:PREDICTED]->() RETURN DISTINCT r.run AS run", "t/runs"))
    assert runs == [{"run": "train-test-kill"}]
