"""Issue 28 item 1: ``relmine migrate`` brings (:Run) records of an older relmine to the one run model."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from relmine.gateway import Statement
from relmine.runs import migrate_runs

pytestmark = pytest.mark.integration

MOTIF_METRICS = {"bundle_star": {"instances": 3, "products": 4, "truncated": False}}
TRAIN_METRICS = {"best_epoch": 2, "epochs_run": 4, "val_metric": "hits@50",
                 "test": {"model": {"auc": 0.9, "hits@50": 0.5}, "ra": {"auc": 0.7, "hits@50": 0.25}},
                 "ranking": {}}
LEGACY = Statement(
    "CREATE (:Run {id: 'motifs-20261201T100000Z', kind: 'motifs', status: 'done', params: '{}', "
    "               metrics_json: $motif})"
    "CREATE (:Run {id: 'train-old', kind: 'train', status: 'training', params: '{}', metrics: $train, "
    "               `metric_model_hits@50`: 0.5, metric_model_auc: 0.9, metric_ra_auc: 0.7, `metric_ra_hits@50`: 0.25})"
    "CREATE (:Run {id: 'rules-new', kind: 'rules', status: 'done', params: '{}', metrics: '{\"rules\": 2}', "
    "               metric_rules: 2})", "t/legacy_runs")
RUNS = Statement("MATCH (r:Run) RETURN r.id AS id, properties(r) AS props ORDER BY id", "t/runs")


def test_older_runs_migrate_once(clean_graph, neo4j_settings, tmp_path):
    gw = clean_graph
    gw.write(LEGACY, {"motif": json.dumps(MOTIF_METRICS), "train": json.dumps(TRAIN_METRICS)})

    result = CliRunner().invoke(cli, ["migrate", "--no-progress"],
                                obj={"settings": neo4j_settings.with_(home=tmp_path / "home")},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert ("3 run(s) read: 1 motif run(s) from metrics_json, 1 training run(s) from a stage status, "
            "2 given flat metric_* figures") in result.output

    runs = {r["id"]: r["props"] for r in gw.read(RUNS)}
    motif = runs["motifs-20261201T100000Z"]
    assert "metrics_json" not in motif and json.loads(motif["metrics"]) == MOTIF_METRICS
    assert motif["metric_bundle_star_instances"] == 3 and motif["metric_bundle_star_truncated"] is False
    train = runs["train-old"]
    assert (train["status"], train["stage"]) == ("running", "training")
    assert train["metric_model_hits@50"] == 0.5 and train["metric_best_epoch"] == 2  # old names kept, new added
    assert train["metric_val_metric"] == "hits@50"
    assert runs["rules-new"]["metric_rules"] == 2 and "stage" not in runs["rules-new"]

    # idempotent: a second pass finds nothing to do and changes nothing
    again = migrate_runs(gw)
    assert (again.runs, again.metrics_json, again.stages, again.flat) == (3, 0, 0, 0)
    assert {r["id"]: r["props"] for r in gw.read(RUNS)} == runs
