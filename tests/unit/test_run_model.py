"""Issue 28 item 1: one run model for every kind (relmine/runs.py): statuses, flat typed metrics, artifacts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relmine import runs
from relmine.errors import InputError


def test_flat_metrics_one_character_rule_and_types():
    flat = runs.flat_metrics({"model": {"hits@50": np.float32(0.5), "auc": 0.75}, "max lift": 3,
                              "epochs": np.int64(4), "stopped": True, "val_metric": "hits@50",
                              "nan": math.nan, "none": None})
    assert flat == {"metric_model_hits@50": 0.5, "metric_model_auc": 0.75, "metric_max_lift": 3,
                    "metric_epochs": 4, "metric_stopped": True, "metric_val_metric": "hits@50"}
    assert type(flat["metric_model_hits@50"]) is float and type(flat["metric_epochs"]) is int


def test_a_training_runs_figures_keep_their_names():
    metrics = {"best_epoch": 3, "final_loss": 0.4, "val_metric": "hits@50", "resumed_from": None,
               "test": {"model": {"auc": 0.9, "hits@50": 0.6}, "ra": {"auc": 0.8}},
               "ranking": {"k": 10, "sources": 40, "coverage": 0.3, "model": {"precision@10": 0.2}},
               "blend": {"written": {"figures": {"model": {"precision@10": 0.25}}}, "candidates": 5},
               "paths3": "index"}
    flat = runs.flat_of("train", metrics)
    assert flat == {"metric_best_epoch": 3, "metric_final_loss": 0.4, "metric_val_metric": "hits@50",
                    "metric_paths3": "index", "metric_model_auc": 0.9, "metric_model_hits@50": 0.6,
                    "metric_ra_auc": 0.8, "metric_rank_model_precision@10": 0.2, "metric_rank_coverage": 0.3,
                    "metric_blend_fit_model_precision@10": 0.25}
    # a refresh's metrics have no test slice nor ranking: its scalars only
    assert runs.flat_of("train", {"refresh_of": "train-1", "seconds_embed": 1.5}) == {
        "metric_refresh_of": "train-1", "metric_seconds_embed": 1.5}
    # every other kind flattens its metrics whole
    assert runs.flat_of("motifs", {"bundle_star": {"instances": 2}}) == {"metric_bundle_star_instances": 2}


class _Recorder:
    def __init__(self):
        self.calls = []

    def write(self, name, params=None):
        self.calls.append((name, params))


def test_a_stage_means_running_and_unknown_states_are_refused():
    gw = _Recorder()
    runs.update_run(gw, "train-1", stage="training", epoch=2)
    assert gw.calls == [("runs/update_run", {"run_id": "train-1", "props": {"stage": "training", "status": "running",
                                                                         "epoch": 2}})]
    for bad in ({"status": "pulling"}, {"stage": "sleeping"}):
        with pytest.raises(ValueError):
            runs.update_run(gw, "train-1", **bad)
    with pytest.raises(ValueError):
        runs.end_run(gw, "train-1", "done", "no")
    assert len(gw.calls) == 1


def test_artifacts_are_addressed_alike():
    assert runs.artifact_uri("train-1", "model") == "run://train-1/model"
    assert runs.parse_artifact_uri("run://rules-20261201-000000-abc123/outputs") == (
        "rules-20261201-000000-abc123", "outputs")
    for bad in ("run://../x/model", "file:///etc/passwd", "run://a..b/model", "run://train-1/"):
        with pytest.raises(InputError):
            runs.parse_artifact_uri(bad)
