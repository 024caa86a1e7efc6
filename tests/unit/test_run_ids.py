"""Issue 10 item 1: one run-id pattern everywhere, paths only under their root, tensors-only loading."""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

from relmine import runid
from relmine.cli.main import cli
from relmine.errors import InputError

EVIL = "../../../x/evil"
BAD = [EVIL, "a/../b", "..", "a..b", "/abs", "bad run", "", "x" * 101, None, 7]


@pytest.mark.parametrize("bad", BAD)
def test_the_one_pattern_refuses_traversal_and_junk(bad):
    with pytest.raises(InputError, match="run id"):
        runid.check_run_id(bad)


def test_every_former_checker_is_the_one_pattern():
    from relmine.motifs.library import check_run_id as motifs_check
    from relmine.runs import check_run_id as rules_check

    assert motifs_check is runid.check_run_id
    for check in (motifs_check, lambda r: rules_check(r, "rules")):
        assert check("train-20261201-000000-abc123") == "train-20261201-000000-abc123"
        with pytest.raises(InputError, match="not allowed"):
            check(EVIL)
    assert runid.new_run_id("train").startswith("train-")
    # one scheme for every kind, in UTC: the stamp is this moment's UTC time (give or take the second)
    import calendar
    import re
    import time as clock

    from relmine.motifs.library import default_run_id

    motif = default_run_id()
    assert re.fullmatch(r"motifs-\d{8}-\d{6}-[0-9a-f]{6}", motif)
    assert abs(calendar.timegm(clock.strptime(motif[7:22], "%Y%m%d-%H%M%S")) - clock.time()) < 120


def test_path_under_stays_under_its_root(tmp_path):
    root = tmp_path / "models"
    root.mkdir()
    assert runid.path_under(root, "r1", ".pt") == (root / "r1.pt").resolve()
    (root / "link.pt").symlink_to(tmp_path / "elsewhere.pt")
    with pytest.raises(InputError, match="outside"):
        runid.path_under(root, "link", ".pt")
    with pytest.raises(InputError):
        runid.path_under(root, EVIL, ".pt")


@pytest.mark.parametrize("args", [
    ["train", "--run-id", EVIL],
    ["run-status", EVIL],
    ["run-cancel", EVIL],
    ["train", "--resume", EVIL],
    ["motifs", "--write", "--run-id", EVIL],
    ["rules", "--run", EVIL],
    ["clusters", "--run", EVIL],
])
def test_cli_refuses_the_traversal_id_before_touching_anything(args, tmp_path, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")  # nothing listens: a refusal must come first
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0, result.output
    assert "not allowed" in result.output, result.output
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("task_name", ["train_run", "embed_partition"])
def test_tasks_refuse_the_traversal_id_before_the_graph(task_name, monkeypatch):
    from relmine.workers import tasks

    def no_graph():
        raise AssertionError("the graph was reached with a bad run id")

    monkeypatch.setattr(tasks, "_gateway", no_graph)
    args = [EVIL] if task_name == "train_run" else [EVIL, 0]
    with pytest.raises(InputError, match="not allowed"):
        getattr(tasks, task_name)(*args)


def test_library_refuses_the_traversal_id(tmp_path):
    from relmine.learn.pipeline import _paths, create_run, get_run, load_model
    from relmine.learn.spec import TrainSpec

    for call in (lambda: _paths(tmp_path, EVIL), lambda: load_model(None, EVIL),
                 lambda: create_run(None, TrainSpec(), EVIL), lambda: get_run(None, EVIL)):
        with pytest.raises(InputError, match="not allowed"):
            call()


class Payload:
    """Unpickling this creates the marker file (what an attacker's code would do)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant(path, marker):
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state": Payload(marker), "in_channels": 8, "spec": "{}"}, path)


def test_the_payload_is_real(tmp_path):
    """Guards the tests below: an unsafe load of the planted file does run the payload."""
    marker = tmp_path / "proof"
    _plant(tmp_path / "p.pt", marker)
    torch.load(tmp_path / "p.pt", weights_only=False)
    assert marker.exists()


def test_a_planted_model_pickle_is_never_executed(tmp_path):
    """Model bytes as read from a (:Model) node, and a model file, both go through load_tensors."""
    from relmine.learn.pipeline import load_tensors

    marker = tmp_path / "pwned"
    _plant(tmp_path / "m.pt", marker)
    for source in (tmp_path / "m.pt", (tmp_path / "m.pt").read_bytes()):
        with pytest.raises(InputError, match="not a relmine model"):
            load_tensors(source)
    assert not marker.exists()


def test_a_planted_checkpoint_pickle_is_never_executed(tmp_path):
    from relmine.gnn.model import GATLinkPredictor
    from relmine.gnn.train import TrainConfig, load_tensors, train
    from tests.unit.test_gnn_model import toy_graph

    marker = tmp_path / "pwned"
    ckpt = tmp_path / "checkpoints" / "run1.pt"
    _plant(ckpt, marker)
    with pytest.raises(ValueError, match="refused"):
        load_tensors(ckpt)
    model = GATLinkPredictor(8, 16, heads=2, num_relations=3)
    with pytest.raises(ValueError, match="refused"):
        train(model, [toy_graph()], TrainConfig(epochs=1, progress=False), checkpoint=ckpt)
    assert not marker.exists()


def test_an_entry_point_checks_its_run_id_once(monkeypatch, tmp_path):
    """Issue 28 item 7: check_run_id returns a RunId, which the library's own checks (here both paths of a
    run, each under its root) pass through without matching it again; it is plain text to JSON and the broker."""
    import json

    from relmine.learn.pipeline import _paths

    matched = []
    real = runid.RUN_ID

    class Counting:
        def match(self, text):
            matched.append(text)
            return real.match(text)

    monkeypatch.setattr(runid, "RUN_ID", Counting())
    checked = runid.check_run_id("train-1")
    _paths(tmp_path, checked)
    runid.path_under(tmp_path, checked, ".pt")
    assert matched == ["train-1"]
    assert checked == "train-1" and json.dumps({"run_id": checked}) == '{"run_id": "train-1"}'
    _paths(tmp_path, "train-2")  # a plain id given to the library: checked once there too
    assert matched == ["train-1", "train-2"]
