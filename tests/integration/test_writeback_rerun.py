"""Issue 27: the write-back creates its [:PREDICTED] (no merge), and a partition written again after its task
died (worker lost before the partition was recorded done) still holds each pair once."""

from __future__ import annotations

import pytest

from relmine.gateway import Statement
from relmine.learn import pipeline, writeback
from relmine.learn.spec import TrainSpec

pytestmark = pytest.mark.integration

PREDICTED = Statement("MATCH (a:Product)-[r:PREDICTED {run: $run}]->(b:Product) "
                      "RETURN a.sku AS a, b.sku AS b, r.type AS type, r.kind AS kind, r.score AS score, "
                      "r.rank AS rank ORDER BY a, rank, b", "t/rerun_pred")
DUPLICATES = Statement("MATCH (a)-[r:PREDICTED]->(b) WITH a, b, r.run AS run, count(*) AS n WHERE n > 1 "
                       "RETURN count(*) AS dup", "t/rerun_dup")


def test_a_partition_written_again_after_its_task_died_holds_each_pair_once(small_learn_graph, clean_graph, tmp_path,
                                                                            monkeypatch):
    gw = clean_graph
    spec = TrainSpec(partition_size=60, epochs=1, hidden=16, heads=2, top_k=5, seed=13)
    home = tmp_path / "home"
    pipeline.create_run(gw, spec, "train-rerun")
    numbers = pipeline.pull_train_embed(gw, "train-rerun", home)
    real = writeback.write_partition

    def write_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("worker lost")  # everything written, the partition not yet recorded done

    with monkeypatch.context() as m:
        m.setattr(writeback, "write_partition", write_then_die)
        with pytest.raises(RuntimeError, match="worker lost"):
            pipeline.write_back_partition(gw, "train-rerun", numbers[0], home)
    first = gw.read(PREDICTED, {"run": "train-rerun"})
    assert first and all(r["kind"] for r in first)

    for n in numbers:  # the task delivered again, then the others
        pipeline.write_back_partition(gw, "train-rerun", n, home)
    assert pipeline.get_run(gw, "train-rerun")["status"] == "done"
    assert gw.read_one(DUPLICATES)["dup"] == 0
    final = gw.read(PREDICTED, {"run": "train-rerun"})
    sources = {r["a"] for r in first}
    assert [r for r in final if r["a"] in sources] == first  # the same rows, once each
    assert {(r["a"], r["rank"]) for r in final} == {(r["a"], r["rank"]) for r in final if r["rank"] <= 5}


def test_each_task_reads_its_run_whole_once_and_checks_its_id_once(small_learn_graph, clean_graph, tmp_path,
                                                                   monkeypatch):
    """Issue 28 item 7: as the worker tasks do, the id is checked once (relmine.runid.RunId) and handed to
    pull_train_embed and write_back_partition; each reads the whole (:Run), log included, once."""
    from relmine import runid

    gw = clean_graph
    pipeline.create_run(gw, TrainSpec(partition_size=80, epochs=1, hidden=16, heads=2, top_k=5, seed=3), "train-once")
    matched, whole = [], []
    real_match, real_read_one = runid.RUN_ID, gw.read_one

    class Counting:
        def match(self, text):
            matched.append(text)
            return real_match.match(text)

    def read_one(statement, *args, **kwargs):
        if statement == "runs/get_run":
            whole.append(statement)
        return real_read_one(statement, *args, **kwargs)

    monkeypatch.setattr(runid, "RUN_ID", Counting())
    monkeypatch.setattr(gw, "read_one", read_one)
    home = tmp_path / "home"
    numbers = pipeline.pull_train_embed(gw, runid.check_run_id("train-once"), home)
    assert (matched, len(whole)) == (["train-once"], 1)
    for n in numbers:
        matched.clear()
        whole.clear()
        pipeline.write_back_partition(gw, runid.check_run_id("train-once"), n, home)
        assert (matched, len(whole)) == (["train-once"], 1)
    assert pipeline.get_run(gw, "train-once")["status"] == "done"
