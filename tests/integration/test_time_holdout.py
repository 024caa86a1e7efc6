"""The time holdout through the user's path (issue 26 item 2): dated orders ingested with ``relmine ingest``, a
real worker trains with ``relmine train`` defaults, and the run holds out the pairs first seen latest."""

from __future__ import annotations

import json

import pytest

from relmine.gateway import Statement
from tests.conftest import wipe
from tests.integration.test_learn import relmine

pytestmark = pytest.mark.integration

ARGS = ["train", "--epochs", "2", "--hidden", "16", "--heads", "2", "--partition-size", "1000", "--wait",
        "--timeout", "600"]
RUN = Statement("MATCH (r:Run {id: $id}) RETURN r.status AS status, r.split AS split, r.params AS params, "
                "r.metrics AS metrics, r.`metric_rank_model_precision@10` AS p_model, "
                "r.`metric_rank_ra_recall@10` AS r_ra, r.metric_rank_coverage AS coverage", "t/th_run")
PREDICTED = Statement("MATCH (p:Product)-[r:PREDICTED {run: $run}]->(q:Product) WITH p, r, q ORDER BY r.rank "
                      "RETURN p.sku AS sku, count(*) AS n, collect(r.score) AS scores, collect(r.rank) AS ranks, "
                      "sum(CASE WHEN EXISTS { (p)-[:CO_PURCHASED]-(q) } THEN 1 ELSE 0 END) AS related",
                      "t/th_predicted")
# the kept pairs' first sightings as the run saw them: min count 2, as the default filter keeps
FIRST_SEEN = Statement("MATCH (:Product)-[r:CO_PURCHASED]->(:Product) WHERE r.count >= 2 "
                       "RETURN toString(r.first_seen) AS t ORDER BY t", "t/th_first")


@pytest.fixture(scope="module")
def dated(clean_graph, tmp_path_factory, amqp_url):
    wipe(clean_graph)
    data = tmp_path_factory.mktemp("dated")
    out = relmine(["generate", "--products", "300", "--orders", "4000", "--seed", "3", "--out", str(data)], None)
    assert out.returncode == 0, out.stderr
    for args in (["init"], ["ingest", "catalog", str(data / "catalog.csv"), "--no-progress"],
                 ["ingest", "orders", str(data / "orders.csv"), "--no-progress"]):
        out = relmine(args, None)
        assert out.returncode == 0, out.stdout + out.stderr
    return clean_graph


def test_dated_orders_train_on_the_past_and_test_on_the_latest_pairs(dated, worker_factory, amqp_url):
    gw = dated
    worker = worker_factory(amqp_url)
    out = relmine([*ARGS, "--run-id", "train-th-1"], worker.client_env())
    assert out.returncode == 0, out.stdout + out.stderr + worker.output()[-3000:]
    assert "held out by time (validation: pairs first seen from" in out.stderr, out.stderr
    run = gw.read_one(RUN, {"id": "train-th-1"})
    split, params = json.loads(run["split"]), json.loads(run["params"])
    assert params["holdout"] == "auto" and split["holdout"] == "time"
    assert split["val_from"] < split["test_from"] <= split["test_to"]
    seen = [r["t"][:19] for r in gw.read(FIRST_SEEN)]
    # the windows are moments of the graph's own first sightings, and the test window ends at the latest
    assert split["test_from"] in seen and split["val_from"] in seen and split["test_to"] == seen[-1]
    # about the recipe's shares of the timed pairs: 10% test, 5% validation (whole moments, so a little more)
    assert split["timed_pairs"] == split["pairs"] == len(seen)
    assert round(0.10 * split["pairs"]) <= split["test_pairs"] < 0.13 * split["pairs"]
    assert round(0.05 * split["pairs"]) <= split["val_pairs"] < 0.08 * split["pairs"]
    assert sum(t >= split["test_from"] for t in seen) == split["test_pairs"]
    # dated orders: the run writes the blend of the model and the time heuristics, fitted on the validation
    # window, and its ranking is scored on the test window beside every heuristic, in the log and on the run
    assert "testing: the written ranking on the test window (" in out.stderr, out.stderr
    metrics = json.loads(run["metrics"])
    ranking, blend = metrics["ranking"], metrics["blend"]
    assert 0 < ranking["sources"] <= 400 and ranking["k"] == 10
    assert blend["candidates"] > 0 and blend["written"]["labels"] > 0 and "gnn" in blend["written"]["weights"]
    assert split["val_from"][:10] <= blend["test"]["from"] < blend["test"]["to"] == split["test_from"][:10]
    for method in ("model", "gnn", "ra", "aa", "cn", "cocount", "recent_ra", "recent_popularity",
                   "heuristic_reranker"):
        assert set(ranking[method]) == {"precision@10", "recall@10", "ndcg@10"}
        assert all(0.0 <= v <= 1.0 for v in ranking[method].values())
    assert 0.0 < ranking["coverage"] <= 1.0
    # training early-stopped on the blend's precision on the validation window, each epoch logged with it
    assert metrics["val_metric"] == "blend_p@10" and 0.0 <= metrics["best_val"] <= 1.0
    validation = metrics["validation"]
    assert validation["from"] >= split["val_from"][:10] and validation["to"] == split["test_from"][:10]
    assert validation["labels"] > 0 and validation["best"]["blend"]["precision@10"] == metrics["best_val"]
    assert "validation: the written blend's P@10 on the validation window (" in out.stderr, out.stderr
    assert "validation blend P@10 " in out.stderr and ", gnn P@10 " in out.stderr, out.stderr
    assert run["p_model"] == ranking["model"]["precision@10"] and run["r_ra"] == ranking["ra"]["recall@10"]
    assert run["coverage"] == ranking["coverage"]
    # what is written is the blend's lists: at most top_k (10) new partners a product, best first, with the
    # blend's probability as the score
    rows = gw.read(PREDICTED, {"run": "train-th-1"})
    assert rows and max(r["n"] for r in rows) <= 10
    for r in rows:
        assert all(0.0 < s < 1.0 for s in r["scores"]) and r["scores"] == sorted(r["scores"], reverse=True)
        assert r["ranks"] == list(range(1, len(r["ranks"]) + 1)) and r["related"] == 0


def test_random_holdout_is_still_there_when_asked_for(dated, worker_factory, amqp_url):
    worker = worker_factory(amqp_url)
    out = relmine([*ARGS, "--run-id", "train-th-2", "--holdout", "random"], worker.client_env())
    assert out.returncode == 0, out.stdout + out.stderr + worker.output()[-3000:]
    assert "test pairs held out at random" in out.stderr
    split = json.loads(dated.read_one(RUN, {"id": "train-th-2"})["split"])
    assert split["holdout"] == "random" and "test_from" not in split
    run = dated.read_one(RUN, {"id": "train-th-2"})
    metrics = json.loads(run["metrics"])
    assert metrics["ranking"] == {} and run["p_model"] is None  # a random slice is no window
    assert metrics["val_metric"] == "hits@50" and metrics["validation"] is None
