"""``relmine evaluate`` records each evaluation as a ``(:Run {kind: 'evaluate'})`` through the run model:
params, flat typed figures, a failed run with the reason when it fails, nothing when it runs offline; the run
shows in ``bi/run_comparison`` and in ``relmine report``'s runs table with its figures."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from relmine.gateway import Statement
from relmine.report import write_report
from tests.integration.learn_graph import load_small_graph
from tests.unit.test_evaluate_cli import write_tiny_npz

EVALUATE_RUNS = Statement("MATCH (r:Run {kind: 'evaluate'}) RETURN r {.*, started_at: toString(r.started_at), "
                          "finished_at: toString(r.finished_at)} AS run ORDER BY r.started_at", "tests/evaluate_runs")


def _evaluate(settings, *args):
    return CliRunner().invoke(cli, ["evaluate", "--seeds", "0", "--epochs", "1", "--hidden", "8", "--device", "cpu",
                                    *args], obj={"settings": settings}, catch_exceptions=False)


def _runs(gw) -> list[dict]:
    return [r["run"] for r in gw.read(EVALUATE_RUNS)]


def test_a_failed_evaluation_leaves_a_failed_run(clean_graph, neo4j_settings, tmp_path):
    res = _evaluate(neo4j_settings, "--no-fastrp", "--out", str(tmp_path))  # the graph holds no products yet
    assert res.exit_code == 1, res.output
    [run] = _runs(clean_graph)
    assert run["status"] == "failed" and "products" in run["error"], run
    assert run["finished_at"] is not None
    assert json.loads(run["params"])["mode"] == "split"


@pytest.fixture(scope="module")
def evaluated(clean_graph, neo4j_settings, tmp_path_factory):
    load_small_graph(clean_graph)
    before = {r["id"] for r in _runs(clean_graph)}
    out = tmp_path_factory.mktemp("evaluate-run")
    res = _evaluate(neo4j_settings, "--relation-type", "CO_PURCHASED", "--no-fastrp", "--out", str(out))
    assert res.exit_code == 0, res.output
    [run] = [r for r in _runs(clean_graph) if r["id"] not in before]
    return run, res.output, json.loads((out / "evaluation.json").read_text())


def test_an_evaluation_is_a_done_run_with_its_params_and_flat_typed_figures(evaluated):
    run, output, report = evaluated
    assert run["id"].startswith("evaluate-") and run["status"] == "done", run
    assert f"recorded as run {run['id']}" in output
    params = json.loads(run["params"])
    assert params["mode"] == "split" and params["relation_types"] == ["CO_PURCHASED"] and params["seeds"] == [0]
    # the figures of evaluation.json, as flat typed properties (the GAT is `model`, as on a training run)
    gat = report["summary"]["GAT (relmine)"]
    assert run["metric_model_auc"] == pytest.approx(gat["auc"]["mean"])
    assert run["metric_model_hits@50"] == pytest.approx(gat["hits@50"]["mean"])
    assert run["metric_model_hits@50_std"] == pytest.approx(gat["hits@50"]["std"])
    assert run["metric_ra_hits@50"] == pytest.approx(report["summary"]["RA"]["hits@50"]["mean"])
    assert isinstance(run["metric_bar_met"], bool) and run["metric_bar_met"] == report["bar"]["met"]
    assert run["metric_seeds"] == 1
    assert json.loads(run["metrics"])["model"]["auc"] == pytest.approx(gat["auc"]["mean"])


def test_the_evaluate_run_is_compared_and_reported_with_its_figures(evaluated, clean_graph, tmp_path):
    run, _, _ = evaluated
    rows = clean_graph.read("bi/run_comparison", {"kind": "evaluate", "limit": 10})
    assert [r["run"] for r in rows][0] == run["id"]  # the newest first (the failed one is older)
    assert [r["status"] for r in rows] == ["done", "failed"]
    figures = dict(rows[0]["metric_values"])
    assert isinstance(figures["model_auc"], float) and isinstance(figures["seeds"], int)
    rep = write_report(clean_graph, tmp_path / "report")
    page = rep.path.read_text(encoding="utf-8")
    assert run["id"] in page
    row = page[page.index(run["id"]):].split("</tr>")[0]
    assert "evaluate" in row and "model_auc=" in row and "ra_hits@50=" in row, row
    assert "failed: " in page  # the failed evaluation, with its reason


def test_an_offline_evaluation_of_a_file_records_nothing_unless_asked(evaluated, clean_graph, neo4j_settings,
                                                                        tmp_path):
    write_tiny_npz(tmp_path / "tiny.npz")
    before = len(_runs(clean_graph))
    args = ["--data", str(tmp_path / "tiny.npz"), "--no-fastrp", "--no-probe", "--out", str(tmp_path / "out")]
    assert _evaluate(neo4j_settings, *args).exit_code == 0
    assert len(_runs(clean_graph)) == before
    res = _evaluate(neo4j_settings, *args, "--record")
    assert res.exit_code == 0, res.output
    [run] = _runs(clean_graph)[before:]
    assert run["status"] == "done" and json.loads(run["params"])["data"].endswith("tiny.npz")
    assert 0.0 <= run["metric_model_auc"] <= 1.0


def test_an_ingest_shows_as_a_run_of_kind_ingest_with_its_figures(evaluated, clean_graph, neo4j_settings, tmp_path):
    """An ingest keeps its (:Source) lifecycle; run_comparison and the report show the Source as an 'ingest' run."""
    edges = tmp_path / "edges.csv"
    edges.write_text("src,dst\nP0001,P0002\nP0002,P0003\nP0003,P0001\nP0003,P0003\n")
    settings = neo4j_settings.with_(home=tmp_path / "home")
    done = CliRunner().invoke(cli, ["ingest", "edges", str(edges), "--type", "CO_VIEWED", "--no-progress"],
                              obj={"settings": settings}, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    [row] = clean_graph.read("bi/run_comparison", {"kind": "ingest", "limit": 10})
    assert row["status"] == "done" and row["finished_at"] is not None and row["error"] is None
    figures = dict(row["metric_values"])
    assert figures["file"] == "edges.csv" and figures["source_kind"] == "edges"
    assert figures["rows_read"] == 4 and isinstance(figures["rows_rejected"], int)
    assert json.loads(row["metrics"])["read"] == 4
    # the newest of every kind, whatever the others
    assert {r["kind"] for r in clean_graph.read("bi/run_comparison", {"kind": None, "limit": 10})} >= {"ingest",
                                                                                                          "evaluate"}
    page = write_report(clean_graph, tmp_path / "report").path.read_text(encoding="utf-8")
    line = page[page.index(row["run"]):].split("</tr>")[0]
    assert "ingest" in line and "rows_read=4" in line and "file=edges.csv" in line, line


def test_the_report_shows_every_kind_however_many_runs_one_kind_has(evaluated, clean_graph, tmp_path):
    from relmine.report import latest_runs
    from relmine.runs import record_run

    for i in range(15):  # newer than every other run
        record_run(clean_graph, f"rules-flood-{i:02d}", "rules", {"min_support": 0.1}, {"product": {"rules": i}})
    newest = clean_graph.read("bi/run_comparison", {"kind": None, "limit": 12})
    assert {r["kind"] for r in newest} == {"rules"}
    kinds = [r["kind"] for r in latest_runs(clean_graph)]
    assert kinds[:12] == ["rules"] * 12 and {"evaluate", "ingest"} <= set(kinds[12:])
    page = write_report(clean_graph, tmp_path / "report").path.read_text(encoding="utf-8")
    assert "model_auc=" in page and "rows_read=" in page and "product_rules=14" in page
