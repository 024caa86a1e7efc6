"""Issue 29, readers under load: readers never see a mix of two training runs, nor an error.

A small generated catalogue with one done training run; a real worker on RabbitMQ trains a second
run with another seed and writes it back in several partitions while reader processes run every
reader kind (``relmine neighbours``, ``relmine recommend``, each ``cypher/bi`` query); then new orders
are ingested under the same readers, and ``relmine refresh`` serves the second run's model over them (a
third run, with its own write-back and switch). Every read is checked against every run's vectors
(``tests/readload.py`` defines a mix). ``bench/readers.py`` is the same at a larger size, with latency.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from relmine.schema import apply_schema
from tests.conftest import wipe
from tests.integration.learn_graph import load_small_graph
from tests.readload import (PHASES, Scenario, check, play, read_once, relmine_cli, renamed_orders, run_vectors,
                            runs_explaining, summarise, table)

pytestmark = pytest.mark.integration

PRODUCTS = 200
SPEC = {"partition_size": 50, "epochs": 1, "patience": 1, "hidden": 16, "heads": 2, "top_k": 5}


def _log(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


def _ok(result) -> None:
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]


def test_readers_see_one_run_and_no_error_through_a_write_back_switch_and_ingest(clean_graph, worker_factory,
                                                                                    amqp_url, tmp_path):
    from relmine.config import Settings
    from relmine.learn import pipeline
    from relmine.learn.spec import TrainSpec
    from relmine.workers.app import make_app

    gw = clean_graph
    wipe(gw)
    apply_schema(gw)
    worker = worker_factory(amqp_url)
    env = worker.client_env()
    data, later = tmp_path / "data", tmp_path / "later"
    _ok(relmine_cli(["generate", "--products", str(PRODUCTS), "--orders", "2000", "--out", str(data)], env))
    _ok(relmine_cli(["generate", "--products", str(PRODUCTS), "--orders", "200", "--seed", "8", "--out", str(later)],
                    env))
    _ok(relmine_cli(["ingest", "catalog", str(data / "catalog.csv"), "--no-progress"], env))
    _ok(relmine_cli(["ingest", "orders", str(data / "orders.csv"), "--no-progress"], env))
    # the first run in this process: its write-back is not under test; the second one's, by the worker, is
    pipeline.create_run(gw, TrainSpec(**SPEC, seed=1), "train-readers-a")
    for n in pipeline.pull_train_embed(gw, "train-readers-a", tmp_path / "home"):
        pipeline.write_back_partition(gw, "train-readers-a", n, tmp_path / "home")
    assert pipeline.get_run(gw, "train-readers-a")["status"] == "done"
    _log("first run done")

    def queue(scn: Scenario) -> None:  # what `relmine train` does, on the worker's broker, without its start-up
        pipeline.create_run(gw, TrainSpec(**SPEC, seed=2), scn.run_id)
        app = make_app(Settings.from_env(env))
        app.send_task("relmine.train_run", args=[scn.run_id], queue="train")
        app.close()

    scn = Scenario(env=env, run_id="train-readers-b", train_args=[], queue=queue,
                   new_orders=renamed_orders(later / "orders.csv", tmp_path / "new_orders.csv"),
                   folder=tmp_path / "load", readers=4, think_s=0.1, warmup_s=1, idle_s=4, timeout_s=600, log=_log)
    out = play(gw, scn)
    _log("played: " + ", ".join(f"{name} {t - out.timeline.marks[0][1]:.1f}s" for name, t in out.timeline.marks))
    print(table(summarise(out.records, out.timeline)))
    assert out.run["status"] == "done", out.run.get("error") or worker.output()[-3000:]
    _ok(out.ingest)

    errors = [r for r in out.records if r.get("error")]
    assert not errors, errors[:5]
    mixes = [r for r in out.records if r["mix"]]
    assert not mixes, [(r["kind"], r["sku"], r["why"]) for r in mixes[:5]]
    gaps = [r for r in out.records if r.get("gap")]
    assert not gaps, [(r["kind"], r["sku"], out.timeline.phase_of(r["t0"])) for r in gaps[:5]]
    by_phase = {p: [r for r in out.records if out.timeline.phase_of(r["t0"]) == p] for p in PHASES}
    assert all(by_phase[p] for p in ("idle", "train", "write-back", "ingest", "refresh")), \
        {p: len(v) for p, v in by_phase.items()}
    start, end = out.timeline.span("switch")
    assert [r for r in out.records if r["t0"] < end and r["t1"] > start], "no read overlapped the switch"
    # the readers saw the runs one after the other (the refresh last), and the graph holds the refresh's only
    assert {run for r in out.records for run in r.get("predicted", [])} == {
        "train-readers-a", "train-readers-b", "train-readers-b-refresh"}
    assert set(run_vectors(gw)) == {"train-readers-b-refresh"}
    assert pipeline.get_run(gw, "train-readers-b-refresh")["refresh_of"] == "train-readers-b"


def test_the_check_finds_a_mix_of_two_runs():
    """The check itself: a read whose vectors or predictions come from two runs is a mix; one run's is not."""
    rng = np.random.default_rng(0)

    def unit(v):
        return v / np.linalg.norm(v)

    a = {s: unit(rng.normal(size=8)) for s in ("p", "q", "r")}
    b = {s: unit(rng.normal(size=8)) for s in ("p", "q", "r")}
    vectors = {"A": a, "B": b}
    same = {"sku": "p", "cosines": [["q", float(a["p"] @ a["q"])], ["r", float(a["p"] @ a["r"])]],
            "predicted": ["A"], "claimed": ["A"]}
    across = {"sku": "p", "cosines": [["q", float(b["p"] @ a["q"])]], "predicted": [], "claimed": []}
    two_neighbours = {"sku": "p", "cosines": [["q", float(a["p"] @ a["q"])], ["r", float(b["p"] @ b["r"])]],
                      "predicted": [], "claimed": []}
    predicted_other = {**same, "predicted": ["B"]}
    two_predicted = {"sku": "p", "cosines": [], "predicted": ["A", "B"], "claimed": []}
    claimed_other = {**same, "claimed": ["B"]}
    records = [same, across, two_neighbours, predicted_other, two_predicted, claimed_other]
    check(records, vectors)
    assert [r["mix"] for r in records] == [False, True, True, True, True, True]


STEP_KINDS = ("neighbours", "recommend", "bi/recommend_for_product", "bi/products_most_predicted_complements")


def test_between_every_step_of_the_switch_readers_see_exactly_one_run(clean_graph, tmp_path, monkeypatch):
    """Deterministic: the switch stopped after each of its steps, every reader kind reads; before the switch
    they see the old run whole, from the switch on the new run whole (predictions and vectors together)."""
    from relmine.learn import pipeline
    from relmine.learn.spec import TrainSpec
    from relmine.learn.switch import STEPS

    gw = clean_graph
    wipe(gw)
    apply_schema(gw)
    load_small_graph(gw)
    spec = TrainSpec(partition_size=80, epochs=2, hidden=16, heads=2, top_k=5, seed=3)
    home = tmp_path / "home"
    pipeline.create_run(gw, spec, "train-steps-a")
    for n in pipeline.pull_train_embed(gw, "train-steps-a", home):
        pipeline.write_back_partition(gw, "train-steps-a", n, home)
    before = run_vectors(gw)
    skus = sorted(before["train-steps-a"])[::16]
    pipeline.create_run(gw, replace(spec, seed=4), "train-steps-b")
    numbers = pipeline.pull_train_embed(gw, "train-steps-b", home)
    finalize = pipeline.finalize_if_complete
    monkeypatch.setattr(pipeline, "finalize_if_complete", lambda *a, **kw: False)  # the test switches, below
    for n in numbers:
        pipeline.write_back_partition(gw, "train-steps-b", n, home)
    monkeypatch.undo()
    reads: dict[str, list[dict]] = {}

    def read_all(step: str) -> None:
        reads[step] = [{**read_once(gw, kind, sku), "kind": kind, "sku": sku} for kind in STEP_KINDS for sku in skus]

    read_all("written")
    assert finalize(gw, "train-steps-b", on_step=read_all) is True
    read_all("done")
    vectors = {**before, **run_vectors(gw)}
    assert list(reads) == ["written", *STEPS, "delete older predicted", "done"]
    for step, recs in reads.items():
        check(recs, vectors)
        expected = "train-steps-a" if step in ("written", "staged index") else "train-steps-b"
        assert not [r for r in recs if r["mix"]], (step, [(r["kind"], r["sku"], r["why"]) for r in recs if r["mix"]])
        assert not [r for r in recs if r["gap"]], (step, [(r["kind"], r["sku"]) for r in recs if r["gap"]])
        assert {run for r in recs for run in r["predicted"]} == {expected}, step
        assert all(runs_explaining(r, vectors) == {expected} for r in recs if r["cosines"]), step
        assert sum(1 for r in recs if r["cosines"]) >= 2 * len(skus), step  # neighbours and recommend, at least
