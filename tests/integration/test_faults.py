"""Faults of a daily cycle (issue 29): a broker outage as training ends, and cancelled or failed runs that
clean up after themselves. Real Neo4j, real RabbitMQ (a vhost of this test's own, whose permissions and
connections it cuts with ``rabbitmqctl``), real ``relmine worker`` processes.

The other faults of the suite: ``test_faults_ingest.py`` (folders, disks, messages) and
``test_faults_neo4j.py`` (Neo4j down); the kill-and-resume tests are in ``test_runs.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from urllib.parse import urlparse

import pytest

from relmine.errors import InputError
from relmine.gateway import Statement
from relmine.learn import pipeline
from relmine.learn.spec import TrainSpec
from tests.integration.test_learn import relmine

pytestmark = pytest.mark.integration

EPOCHS = 12
COMMON = ["train", "--partition-size", "60", "--epochs", str(EPOCHS), "--patience", str(EPOCHS), "--hidden", "16",
          "--heads", "2", "--top-k", "5", "--seed", "7"]
PREDICTED = Statement("MATCH (a:Product)-[r:PREDICTED {run: $run}]->(b:Product) "
                      "RETURN a.sku AS a, b.sku AS b, r.type AS type, r.score AS score, r.rank AS rank "
                      "ORDER BY a, rank, b", "t/fault_pred")
# status: a running run's stage (pulling, training, ...) as the assertions below name it
RUN = Statement("MATCH (r:Run {id: $id}) "
                "RETURN CASE r.status WHEN 'running' THEN r.stage ELSE r.status END AS status, r.epoch AS epoch",
                "t/fault_run")
STAGED = Statement("CALL () { MATCH ()-[p:PREDICTED {run: $run}]->() RETURN count(p) AS predicted } "
                   "CALL () { MATCH (p:Product) WHERE p.embedding_next_run = $run RETURN count(p) AS embeddings } "
                   "CALL () { MATCH ()-[r]->() WHERE r.attention_next_run = $run RETURN count(r) AS attention } "
                   "RETURN predicted, embeddings, attention", "t/fault_staged")
PARTITIONS = Statement("MATCH (:Run {id: $run})-[:HAS_PARTITION]->(p:Partition) "
                       "RETURN p.status AS status, coalesce(p.published, false) AS published", "t/fault_parts")


# -- the broker ---------------------------------------------------------------------------------------------

def _rabbitmqctl() -> list[str]:
    """A rabbitmqctl that reaches the local broker (relmine's own node, scripts/rabbitmq.sh, or Debian's)."""
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    if not os.path.exists(ctl):
        pytest.fail("rabbitmqctl is needed to cut the broker (apt-get install rabbitmq-server)")
    nodes = [os.environ["RABBITMQ_NODENAME"]] if os.environ.get("RABBITMQ_NODENAME") else []
    for node in [*nodes, "relmine@localhost", None]:
        cmd = [ctl, "-q", *(["-n", node] if node else [])]
        if subprocess.run([*cmd, "list_vhosts"], capture_output=True, timeout=60).returncode == 0:
            return cmd
    pytest.fail("rabbitmqctl reaches no local RabbitMQ node (tried RABBITMQ_NODENAME, relmine@localhost, default)")


@pytest.fixture
def own_vhost(amqp_url):
    """A vhost of this test's own on the real broker, removed afterwards: cutting it touches no one else."""
    url = urlparse(amqp_url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        pytest.skip(f"the broker at {url.hostname} is not local: this test cuts a vhost with rabbitmqctl")
    ctl = _rabbitmqctl()
    vhost = f"relmine-faults-{uuid.uuid4().hex[:8]}"
    user = url.username or "guest"
    subprocess.run([*ctl, "add_vhost", vhost], check=True, capture_output=True, timeout=60)
    grant = [*ctl, "set_permissions", "-p", vhost, user, ".*", ".*", ".*"]
    subprocess.run(grant, check=True, capture_output=True, timeout=60)

    def cut() -> None:
        subprocess.run([*ctl, "clear_permissions", "-p", vhost, user], check=True, capture_output=True, timeout=60)
        subprocess.run([*ctl, "close_all_connections", "-p", vhost, "relmine fault test"], check=True,
                       capture_output=True, timeout=60)

    def restore() -> None:
        subprocess.run(grant, check=True, capture_output=True, timeout=60)

    base = f"{url.scheme}://{url.netloc}"
    yield {"url": f"{base}/{vhost}", "cut": cut, "restore": restore}
    subprocess.run(grant, capture_output=True, timeout=60)
    subprocess.run([*ctl, "delete_vhost", vhost], capture_output=True, timeout=60)


def _wait_epoch(gw, run: str, epoch: int, worker) -> None:
    deadline = time.monotonic() + 600
    while True:
        row = gw.read_one(RUN, {"id": run})
        if row and (row["status"] not in ("queued", "pulling", "training") or (row["epoch"] or 0) >= epoch):
            assert row["status"] == "training", (row, worker.output()[-3000:])
            return
        assert time.monotonic() < deadline, worker.output()[-3000:]
        time.sleep(0.05)


def test_a_60s_broker_outage_as_training_ends_still_gives_a_done_run_with_the_clean_predictions(
        small_learn_graph, clean_graph, worker_factory, own_vhost, tmp_path):
    gw = clean_graph
    worker = worker_factory(own_vhost["url"], home=tmp_path / "home")
    env = worker.client_env()
    ref = relmine([*COMMON, "--run-id", "train-fault-ref", "--wait", "--timeout", "800"], env)
    assert ref.returncode == 0, ref.stdout + ref.stderr + worker.output()[-3000:]
    reference = gw.read(PREDICTED, {"run": "train-fault-ref"})
    assert reference

    queued = relmine([*COMMON, "--run-id", "train-fault-cut"], env)
    assert queued.returncode == 0, queued.stderr
    # from mid-training (a tiny graph's last epochs take a second or two: waiting for the last but one raced
    # the end of training on a busy machine) the vhost refuses the worker (permissions) and its connections are
    # closed, for 60 s around the end of training: the write-back tasks are published into the outage, and the
    # training task's ack is lost
    _wait_epoch(gw, "train-fault-cut", EPOCHS // 2, worker)
    own_vhost["cut"]()
    cut_at = time.monotonic()
    try:
        time.sleep(60)
    finally:
        own_vhost["restore"]()
    done = relmine(["run-status", "train-fault-cut", "--wait"], env, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr + worker.output()[-4000:]
    run = pipeline.get_run(gw, "train-fault-cut")
    assert run["status"] == "done", (run.get("error"), run["log"][-10:], worker.output()[-4000:])
    log = run["log"]
    # the cut did hit the publishing (else this test proved nothing): the run waited, then queued
    waits = [line for line in log if "waiting for the broker to queue" in line]
    assert waits, (log[-15:], worker.output()[-4000:])
    assert any("after waiting" in line and "for the broker" in line for line in log), log[-15:]
    assert time.monotonic() - cut_at >= 60
    assert all(p["status"] == "done" and p["published"] for p in gw.read(PARTITIONS, {"run": "train-fault-cut"}))
    assert gw.read(PREDICTED, {"run": "train-fault-cut"}) == reference


# -- cancelled and failed runs clean up -----------------------------------------------------------------------

def _staged(gw, run: str) -> dict:
    return gw.read_one(STAGED, {"run": run})


def test_a_cancelled_run_removes_what_it_staged_says_so_and_resumes_to_the_same_predictions(small_learn_graph,
                                                                                            clean_graph, tmp_path):
    gw = clean_graph
    spec = TrainSpec(partition_size=60, epochs=2, hidden=16, heads=2, top_k=5, seed=3)
    home = tmp_path / "home"
    pipeline.create_run(gw, spec, "train-clean-ref")
    for n in pipeline.pull_train_embed(gw, "train-clean-ref", home):
        pipeline.write_back_partition(gw, "train-clean-ref", n, home)
    reference = gw.read(PREDICTED, {"run": "train-clean-ref"})
    assert pipeline.get_run(gw, "train-clean-ref")["status"] == "done" and reference

    pipeline.create_run(gw, spec, "train-clean-cancel")
    numbers = pipeline.pull_train_embed(gw, "train-clean-cancel", home)
    assert len(numbers) >= 2
    pipeline.write_back_partition(gw, "train-clean-cancel", numbers[0], home)
    staged = _staged(gw, "train-clean-cancel")
    assert staged["predicted"] > 0 and staged["embeddings"] > 0 and staged["attention"] > 0

    pipeline.cancel_run(gw, "train-clean-cancel")
    assert _staged(gw, "train-clean-cancel") == {"predicted": 0, "embeddings": 0, "attention": 0}
    run = pipeline.get_run(gw, "train-clean-cancel")
    line = next(line for line in run["log"] if "cleaned up" in line)
    assert f"cancelled: cleaned up {staged['predicted']:,} staged predicted relations, " in line
    assert f"{staged['embeddings']:,} staged embeddings and {staged['attention']:,} staged attention" in line
    assert all(p["status"] == "pending" and not p["published"] for p in gw.read(PARTITIONS,
                                                                                {"run": "train-clean-cancel"}))
    # the current run's results are untouched, and run-status says what went
    assert gw.read(PREDICTED, {"run": "train-clean-ref"}) == reference
    status = relmine(["run-status", "train-clean-cancel"], _client_env(gw))
    assert status.returncode == 0 and "cleaned up" in status.stdout, status.stdout + status.stderr

    # resume: the stored model writes every partition again, none lost to the cleanup
    pipeline.resume_run(gw, "train-clean-cancel")
    again = pipeline.pull_train_embed(gw, "train-clean-cancel", tmp_path / "other-home")
    assert again == numbers
    for n in again:
        pipeline.write_back_partition(gw, "train-clean-cancel", n, home)
    assert pipeline.get_run(gw, "train-clean-cancel")["status"] == "done"
    assert gw.read(PREDICTED, {"run": "train-clean-ref"}) == []  # the switch removed the older run's
    assert len(gw.read(PREDICTED, {"run": "train-clean-cancel"})) == len(reference)


def test_a_run_that_fails_or_is_cancelled_mid_partition_leaves_nothing_staged(small_learn_graph, clean_graph, tmp_path,
                                                                              monkeypatch):
    from relmine.learn import writeback

    gw = clean_graph
    spec = TrainSpec(partition_size=60, epochs=1, hidden=16, heads=2, top_k=5, seed=5)
    home = tmp_path / "home"
    pipeline.create_run(gw, spec, "train-clean-fail")
    numbers = pipeline.pull_train_embed(gw, "train-clean-fail", home)
    pipeline.write_back_partition(gw, "train-clean-fail", numbers[0], home)
    assert _staged(gw, "train-clean-fail")["predicted"] > 0
    pipeline.fail_run(gw, "train-clean-fail", "RuntimeError: planted")
    run = pipeline.get_run(gw, "train-clean-fail")
    assert run["status"] == "failed" and any("failed: cleaned up" in line for line in run["log"]), run["log"][-5:]
    assert _staged(gw, "train-clean-fail") == {"predicted": 0, "embeddings": 0, "attention": 0}

    # cancelled while a partition is being written: the task removes what it wrote after the cleanup
    pipeline.resume_run(gw, "train-clean-fail")
    numbers = pipeline.pull_train_embed(gw, "train-clean-fail", home)
    real = writeback.write_partition

    def write_then_cancelled(*args, **kwargs):
        written = real(*args, **kwargs)
        pipeline.cancel_run(gw, "train-clean-fail")  # arrives while the task is still in the partition
        return written

    monkeypatch.setattr(writeback, "write_partition", write_then_cancelled)
    assert pipeline.write_back_partition(gw, "train-clean-fail", numbers[0], home) == {"skipped": "cancelled"}
    assert _staged(gw, "train-clean-fail") == {"predicted": 0, "embeddings": 0, "attention": 0}
    assert pipeline.get_run(gw, "train-clean-fail")["status"] == "cancelled"


def _written_but_not_switched(gw, run: str, spec: TrainSpec, home, monkeypatch) -> None:
    """Train ``run`` and write every partition, holding back the switch that the last write would start."""
    pipeline.create_run(gw, spec, run)
    with monkeypatch.context() as m:
        m.setattr(pipeline, "finalize_if_complete", lambda *a, **k: False)
        for n in pipeline.pull_train_embed(gw, run, home):
            pipeline.write_back_partition(gw, run, n, home)
    row = pipeline.get_run(gw, run)
    assert row["partitions_done"] == row["partitions_total"] > 0 and row["status"] not in pipeline.TERMINAL


CURRENT = Statement("MATCH (r:Run {kind: 'train'}) WHERE r.current RETURN r.id AS id", "t/fault_current")


def test_a_cancel_racing_the_switch_either_wins_whole_or_is_refused(small_learn_graph, clean_graph, tmp_path,
                                                                    monkeypatch):
    """A cancel that lands between finalize's check (every partition written, run not ended) and the switch's
    transaction: the switch refuses, the run stays cancelled and not current, its staged results go and the
    current run keeps its own. A cancel that comes after the switch is refused, and the run ends done."""
    gw = clean_graph
    spec = TrainSpec(partition_size=60, epochs=1, hidden=16, heads=2, top_k=5, seed=11)
    home = tmp_path / "home"
    pipeline.create_run(gw, spec, "train-race-ref")
    for n in pipeline.pull_train_embed(gw, "train-race-ref", home):
        pipeline.write_back_partition(gw, "train-race-ref", n, home)
    reference = gw.read(PREDICTED, {"run": "train-race-ref"})
    assert reference and gw.read(CURRENT) == [{"id": "train-race-ref"}]

    # 1. the cancel comes first: after the staged index, before the switch
    _written_but_not_switched(gw, "train-race-a", spec, home, monkeypatch)
    assert _staged(gw, "train-race-a")["predicted"] > 0

    def cancel_before_switch(step: str) -> None:
        if step == "staged index":
            pipeline.cancel_run(gw, "train-race-a")

    assert pipeline.finalize_if_complete(gw, "train-race-a", on_step=cancel_before_switch) is False
    run = pipeline.get_run(gw, "train-race-a")
    assert run["status"] == "cancelled" and not run.get("current")
    assert gw.read(CURRENT) == [{"id": "train-race-ref"}]
    assert gw.read(PREDICTED, {"run": "train-race-ref"}) == reference
    assert _staged(gw, "train-race-a") == {"predicted": 0, "embeddings": 0, "attention": 0}
    # a redelivered write-back task of the cancelled run switches nothing either
    assert pipeline.finalize_if_complete(gw, "train-race-a") is False
    assert gw.read(CURRENT) == [{"id": "train-race-ref"}]

    # 2. the switch comes first: the cancel is refused with a line, and the run ends done and current
    _written_but_not_switched(gw, "train-race-b", spec, home, monkeypatch)
    refused = []

    def cancel_after_switch(step: str) -> None:
        if step == "switch":
            with pytest.raises(InputError, match="being switched in") as caught:
                pipeline.cancel_run(gw, "train-race-b")
            refused.append(str(caught.value))

    assert pipeline.finalize_if_complete(gw, "train-race-b", on_step=cancel_after_switch) is True
    assert refused
    run = pipeline.get_run(gw, "train-race-b")
    assert run["status"] == "done" and run["current"]
    assert not any("cancelled" in line for line in run["log"])
    assert gw.read(CURRENT) == [{"id": "train-race-b"}]
    assert len(gw.read(PREDICTED, {"run": "train-race-b"})) == len(reference)
    # a failure reported after it is done changes nothing either
    pipeline.fail_run(gw, "train-race-b", "RuntimeError: late")
    assert pipeline.get_run(gw, "train-race-b")["status"] == "done"
    with pytest.raises(InputError, match="already ended"):
        pipeline.cancel_run(gw, "train-race-b")


def _client_env(gw) -> dict:
    s = gw.settings
    return {**os.environ, "NEO4J_URI": s.neo4j_uri, "NEO4J_USER": s.neo4j_user, "NEO4J_PASSWORD": s.neo4j_password}
