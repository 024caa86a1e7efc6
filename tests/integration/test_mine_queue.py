"""Rules and cluster jobs on a worker's ``mine`` queue, and the run lifecycle of those jobs (issue 28).

Real Neo4j, real RabbitMQ, a real ``relmine worker`` consuming ``mine`` only: ``relmine rules --queue
--wait`` gives the same rules as mining in the CLI's own process, and a job that fails, on a worker or
here, leaves a ``failed`` run with the reason instead of no trace.
"""

from __future__ import annotations

import json

import pytest

from relmine.errors import InputError
from relmine.gateway import Statement
from relmine.rules.association import RulesSpec, mine_rules
from relmine.clusters import ClusterSpec, cluster_products
from relmine.runs import set_job_status
from tests.integration.test_learn import relmine

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

RUN = Statement("MATCH (r:Run {id: $id}) RETURN r.kind AS kind, r.status AS status, r.error AS error, "
                "r.params AS params, r.metric_product_rules AS rules, r.queued_at IS NOT NULL AS queued, "
                "r.started_at <= r.finished_at AS ordered", "t/mine_run")
RULES = Statement("MATCH (r:Rule {run: $run}) RETURN r.antecedent AS a, r.consequent AS c, r.lift AS lift "
                  "ORDER BY a, c", "t/mine_rules")


@pytest.fixture
def miner(worker_factory, amqp_url, tmp_path):
    return worker_factory(amqp_url, home=tmp_path / "home-mine", queues="mine")


def test_rules_sent_to_the_mine_queue_equal_rules_mined_here(groceries, miner):
    gw = groceries
    here = mine_rules(gw, RulesSpec(min_support=0.01, min_confidence=0.3, levels=("product",), run_id="mineq-here"))
    args = ["rules", "--min-support", "0.01", "--min-confidence", "0.3", "--level", "product", "--run", "mineq-1",
            "--queue", "--wait", "--timeout", "300"]
    out = relmine(args, miner.client_env(), timeout=400)
    assert out.returncode == 0, out.stdout + out.stderr + miner.output()[-3000:]
    assert "run mineq-1 queued on 'mine'" in out.stdout and "run mineq-1 done" in out.stdout
    assert "relmine.mine_rules[" in miner.output()  # the worker did the work, not the CLI
    run = gw.read_one(RUN, {"id": "mineq-1"})
    assert run["kind"] == "rules" and run["status"] == "done" and run["error"] is None
    assert run["queued"] and run["ordered"]
    assert run["rules"] == len(here.levels["product"].rules) > 0
    assert json.loads(run["params"])["min_support"] == 0.01
    assert gw.read(RULES, {"run": "mineq-1"}) == gw.read(RULES, {"run": "mineq-here"})


def test_a_cluster_job_that_fails_on_the_worker_leaves_a_failed_run_with_the_reason(groceries, miner):
    gw = groceries
    # k-means clusters the stored embeddings, and this graph has none
    out = relmine(["clusters", "--method", "kmeans", "-k", "4", "--run", "mineq-2", "--queue", "--wait",
                   "--timeout", "300"], miner.client_env(), timeout=400)
    assert out.returncode != 0
    assert "run mineq-2 failed" in out.stderr and "no product has an embedding" in out.stderr, out.stderr
    run = gw.read_one(RUN, {"id": "mineq-2"})
    assert run["kind"] == "clusters" and run["status"] == "failed" and "no product has an embedding" in run["error"]
    assert run["ordered"]


def test_a_failure_in_this_process_leaves_a_failed_run_and_a_later_success_clears_it(groceries):
    gw = groceries
    with pytest.raises(InputError, match="no product has an embedding"):
        cluster_products(gw, ClusterSpec(method="kmeans", k=4, run_id="mineq-3"))
    failed = gw.read_one(RUN, {"id": "mineq-3"})
    assert failed["status"] == "failed" and "no product has an embedding" in failed["error"]
    # nothing written back: no run recorded at all
    with pytest.raises(InputError, match="no product has an embedding"):
        cluster_products(gw, ClusterSpec(method="kmeans", k=4, run_id="mineq-4", write=False))
    assert gw.read_one(RUN, {"id": "mineq-4"}) is None
    # an id that another kind holds is refused before anything runs; the failed run stays as it was
    with pytest.raises(InputError, match="is a run of another kind"):
        mine_rules(gw, RulesSpec(min_support=0.02, levels=("product",), run_id="mineq-3"))
    assert gw.read_one(RUN, {"id": "mineq-3"})["status"] == "failed"
    # a failed rules run whose id is used again by a run that succeeds: done, the old reason gone
    set_job_status(gw, "mineq-5", "rules", "failed", error="RuntimeError: an earlier try")
    mine_rules(gw, RulesSpec(min_support=0.02, levels=("product",), run_id="mineq-5"))
    run = gw.read_one(RUN, {"id": "mineq-5"})
    assert run["status"] == "done" and run["error"] is None and run["rules"] > 0


def test_an_id_held_by_another_kind_is_refused_by_the_cli_before_anything_is_sent(groceries, miner):
    out = relmine(["clusters", "--method", "louvain", "--run", "mineq-1", "--queue"], miner.client_env(), timeout=120)
    assert out.returncode != 0 and "is a run of another kind" in out.stderr, out.stdout + out.stderr
    assert groceries.read_one(RUN, {"id": "mineq-1"})["kind"] == "rules"
