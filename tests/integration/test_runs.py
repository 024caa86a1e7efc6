"""Issue 12: runs across hosts with no shared disk, resume, cancel, one training run per graph.

Real Neo4j, real RabbitMQ (this engineer's vhost via RELMINE_BROKER_URL), real ``relmine worker``
processes, each with its OWN ``RELMINE_HOME`` (so nothing can pass through a shared disk).
"""

from __future__ import annotations

import socket
import time

import pytest

from relmine.gateway import Statement
from tests.conftest import wipe
from tests.integration.learn_graph import load_small_graph
from tests.integration.test_learn import relmine
from tests.workerproc import WorkerProcess

pytestmark = pytest.mark.integration

EPOCHS = 30
CANCEL_EPOCHS = 200
# patience = epochs: these runs train every epoch (early stopping would end them at its own time)
COMMON = ["train", "--partition-size", "1000", "--epochs", str(EPOCHS), "--patience", str(EPOCHS), "--hidden", "16",
          "--heads", "2", "--top-k", "5", "--seed", "7"]
PREDICTED = Statement("MATCH (a:Product)-[r:PREDICTED {run: $run}]->(b:Product) "
                      "RETURN a.sku AS a, b.sku AS b, r.type AS type, r.score AS score, r.rank AS rank "
                      "ORDER BY a, rank, b", "t/pred_run")
# status: a running run's stage (pulling, training, ...) as the assertions below name it
RUN = Statement("MATCH (r:Run {id: $id}) "
                "RETURN CASE r.status WHEN 'running' THEN r.stage ELSE r.status END AS status, r.epoch AS epoch, r.metrics AS metrics",
                "t/run_mh")


@pytest.fixture(scope="module")
def graph(clean_graph):
    wipe(clean_graph)
    return load_small_graph(clean_graph)


@pytest.fixture
def workers(worker_factory, amqp_url, tmp_path):
    """Workers on RabbitMQ, each with a RELMINE_HOME of its own (no shared folder between hosts)."""

    def start(name: str, queues: str, pool: str = "solo") -> WorkerProcess:
        return worker_factory(amqp_url, home=tmp_path / f"home-{name}", queues=queues, pool=pool)

    return start


def _wait_epoch(gw, run: str, epoch: int, worker: WorkerProcess) -> int:
    deadline = time.monotonic() + 600
    while True:
        row = gw.read_one(RUN, {"id": run})
        if row and row["status"] == "training" and (row["epoch"] or 0) >= epoch:
            return row["epoch"]
        assert time.monotonic() < deadline, worker.output()[-3000:]
        time.sleep(0.1)


def _files(home) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*.pt"))


def test_two_hosts_kill_and_resume_on_an_empty_home_gives_the_uninterrupted_predictions(graph, clean_graph,
                                                                                         workers):
    gw = clean_graph
    trainer = workers("train-a", "train")
    embedder = workers("embed-b", "embed")
    # uninterrupted reference: trained on host A, embedded on host B (the model reaches B through the graph)
    ref = relmine([*COMMON, "--run-id", "train-mh-ref", "--wait", "--timeout", "800"], trainer.client_env())
    assert ref.returncode == 0, ref.stdout + ref.stderr + trainer.output()[-3000:] + embedder.output()[-3000:]
    reference = gw.read(PREDICTED, {"run": "train-mh-ref"})
    assert reference
    assert "relmine.embed_partition[" in embedder.output() and "relmine.embed_partition[" not in trainer.output()
    assert _files(embedder.home) == []  # B never had a model file: it read the (:Model) node
    assert gw.read_one(Statement("MATCH (:Run {id: 'train-mh-ref'})-[:HAS_MODEL]->(m:Model) "
                                 "RETURN m.size AS size", "t/model"))["size"] > 0

    # the same settings again, killed mid-training, resumed by a fresh worker with an empty home
    queued = relmine([*COMMON, "--run-id", "train-mh-kill"], trainer.client_env())
    assert queued.returncode == 0, queued.stderr
    killed_at = _wait_epoch(gw, "train-mh-kill", 3, trainer)
    trainer.kill()
    # the killed run is still "training" (stuck): a second run is refused until it ends
    second = relmine([*COMMON, "--run-id", "train-mh-other"], trainer.client_env())
    assert second.returncode != 0 and "one training run per graph" in second.stderr, second.stderr
    fresh = workers("train-c", "train")
    assert not any(fresh.home.rglob("*.pt"))
    done = relmine(["run-status", "train-mh-kill", "--wait"], fresh.client_env())
    assert done.returncode == 0, done.stdout + done.stderr + fresh.output()[-4000:]
    run = gw.read_one(RUN, {"id": "train-mh-kill"})
    assert run["status"] == "done" and run["epoch"] == EPOCHS
    assert '"resumed_from": null' not in run["metrics"], run["metrics"]  # it resumed from the graph's checkpoint
    assert killed_at >= 3
    assert gw.read(PREDICTED, {"run": "train-mh-kill"}) == reference


def test_busy_prefork_worker_answers_doctor_then_cancel_then_resume(graph, clean_graph, workers):
    gw = clean_graph
    worker = workers("all", "train,embed", pool="prefork")  # relmine worker's default pool
    # enough epochs that training is still going while doctor and run-cancel run, even on a fast machine
    args = [a if a != str(EPOCHS) else str(CANCEL_EPOCHS) for a in COMMON]
    queued = relmine([*args, "--run-id", "train-cancel"], worker.client_env())
    assert queued.returncode == 0, queued.stderr
    _wait_epoch(gw, "train-cancel", 2, worker)
    # mid-training: the control channel still answers, with each queue's consumers and their hosts
    doctor = relmine(["doctor", "--worker-timeout", "2"], worker.client_env())
    assert gw.read_one(RUN, {"id": "train-cancel"})["status"] == "training"  # still busy when it answered
    rows = {line.split()[0] + " " + line.split()[1]: line for line in doctor.stdout.splitlines()
            if line.startswith("queue ")}
    host = socket.gethostname()
    assert "1 consumer(s)" in rows["queue train"] and host in rows["queue train"], doctor.stdout
    assert "1 consumer(s)" in rows["queue embed"] and host in rows["queue embed"], doctor.stdout
    assert "no consumer" in rows["queue mine"], doctor.stdout
    cancelled = relmine(["run-cancel", "train-cancel"], worker.client_env())
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout, cancelled.stderr
    deadline = time.monotonic() + 120
    while "cancelled" not in worker.output() or gw.read_one(RUN, {"id": "train-cancel"})["status"] != "cancelled":
        assert time.monotonic() < deadline, worker.output()[-3000:]
        time.sleep(0.5)
    stopped_at = gw.read_one(RUN, {"id": "train-cancel"})["epoch"]
    time.sleep(3)
    assert gw.read_one(RUN, {"id": "train-cancel"})["epoch"] == stopped_at  # training really stopped
    again = relmine(["run-cancel", "train-cancel"], worker.client_env())
    assert again.returncode != 0 and "already ended" in again.stderr
    resumed = relmine(["train", "--resume", "train-cancel", "--wait", "--timeout", "800"], worker.client_env())
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr + worker.output()[-3000:]
    run = gw.read_one(RUN, {"id": "train-cancel"})
    assert run["status"] == "done" and run["epoch"] == CANCEL_EPOCHS
    assert '"resumed_from": null' not in run["metrics"]
    done_again = relmine(["train", "--resume", "train-cancel"], worker.client_env())
    assert done_again.returncode != 0 and "already done" in done_again.stderr


EMBEDDING_RUNS = Statement("MATCH (p:Product) WHERE p.embedding IS NOT NULL "
                           "RETURN collect(DISTINCT p.embedding_run) AS runs, count(*) AS n, "
                           "count(p.embedding_next) AS staged", "t/emb_runs")
ATTENTION_RUNS = Statement("MATCH (:Product)-[r]->(:Product) WHERE r.attention IS NOT NULL "
                           "RETURN collect(DISTINCT r.attention_run) AS runs", "t/att_runs")
PREDICTED_RUNS = Statement("MATCH ()-[r:PREDICTED]->() RETURN collect(DISTINCT r.run) AS runs", "t/pred_runs")


def _readers(gw, sku: str) -> dict:
    from relmine.learn.query import predicted_for

    return {"predicted": {r["run"] for r in predicted_for(gw, sku, 50)},
            "recommend": {run for r in gw.read("recommend/predicted_relations", {"sku": sku, "run_id": None, "limit": 50})
                          for run in r["runs"]},
            "bi": gw.read("bi/products_most_predicted_complements",
                          {"type": None, "run_id": None, "minScore": 0.0, "limit": 1000}),
            "embeddings": gw.read_one(EMBEDDING_RUNS)["runs"], "attention": gw.read_one(ATTENTION_RUNS)["runs"]}


def test_a_run_becomes_current_in_one_switch_and_readers_see_the_previous_until_then(graph, clean_graph,
                                                                                      tmp_path):
    from relmine.learn import pipeline
    from relmine.learn.spec import TrainSpec

    gw = clean_graph
    spec = TrainSpec(partition_size=80, epochs=2, hidden=16, heads=2, top_k=5, seed=3)
    home = tmp_path / "home"
    for run in ("train-sw-a", "train-sw-b"):
        pipeline.create_run(gw, spec, run)
        numbers = pipeline.pull_train_embed(gw, run, home)
        assert len(numbers) >= 2
        with pytest.raises(Exception, match="one training run per graph"):
            pipeline.create_run(gw, spec, "train-sw-other")
        pipeline.write_back_partition(gw, run, numbers[0], home)
        if run == "train-sw-a":
            for n in numbers[1:]:
                pipeline.write_back_partition(gw, run, n, home)
            before = _readers(gw, "P0001")
            assert before["predicted"] == {"train-sw-a"} and before["recommend"] == {"train-sw-a"}
            assert before["embeddings"] == ["train-sw-a"] and before["attention"] == ["train-sw-a"]
            assert before["bi"]
    # run b has written one partition: staged, not current; readers see exactly run a's results
    staged = gw.read_one(EMBEDDING_RUNS)
    assert staged["staged"] > 0
    assert _readers(gw, "P0001") == before
    assert gw.read_one(PREDICTED_RUNS)["runs"] != ["train-sw-a"]  # b's predictions exist, unread
    for n in numbers[1:]:
        pipeline.write_back_partition(gw, "train-sw-b", n, home)
    after = _readers(gw, "P0001")
    assert after["predicted"] <= {"train-sw-b"} and after["recommend"] <= {"train-sw-b"}
    assert after["embeddings"] == ["train-sw-b"] and after["attention"] == ["train-sw-b"]
    assert gw.read_one(EMBEDDING_RUNS)["staged"] == 0
    assert gw.read_one(PREDICTED_RUNS)["runs"] == ["train-sw-b"]  # older runs' results removed after the switch
    current = gw.read(Statement("MATCH (r:Run {kind: 'train'}) WHERE r.current RETURN r.id AS id", "t/cur"))
    assert current == [{"id": "train-sw-b"}]
    # a redelivered write-back task of the older, finished run changes nothing: no second switch back to
    # it, and the current run's partitions keep their members
    members = gw.read_one(Statement("MATCH (pt:Partition {run: 'train-sw-b'})-[m:HAS_MEMBER]->() "
                                    "RETURN count(m) AS n", "t/members"))["n"]
    assert pipeline.write_back_partition(gw, "train-sw-a", 0, home) == {"skipped": "done"}
    assert pipeline.finalize_if_complete(gw, "train-sw-b") is True  # done already: reported, not redone
    assert gw.read(Statement("MATCH (r:Run {kind: 'train'}) WHERE r.current RETURN r.id AS id", "t/cur2")) == current
    assert gw.read_one(Statement("MATCH (pt:Partition {run: 'train-sw-b'})-[m:HAS_MEMBER]->() "
                                 "RETURN count(m) AS n", "t/members2"))["n"] == members > 0
    assert _readers(gw, "P0001") == after
