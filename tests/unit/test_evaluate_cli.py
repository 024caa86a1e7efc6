"""``relmine evaluate`` on a tiny synthetic npz: real numbers, the table, the JSON and the PNG."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from relmine.cli.main import cli
from relmine.learn.fastrp import undirected_lists

METHODS = ("GAT (relmine)", "CN", "AA", "RA")
METRICS = ("auc", "hits@20", "hits@50", "hits@100", "mrr")


def write_tiny_npz(path, n: int = 120, k: int = 4, f: int = 16, seed: int = 0) -> int:
    """A planted-partition graph in the Amazon Photo npz layout (k communities, labels = community)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(k), n // k)
    a = np.triu(rng.random((n, n)) < np.where(y[:, None] == y[None, :], 0.25, 0.01), 1)
    a = sp.csr_matrix((a | a.T).astype(np.float32))
    x = (rng.random((n, f)) < 0.1).astype(np.float32)
    x[np.arange(n), y] = 1
    x = sp.csr_matrix(x)
    np.savez(path, adj_data=a.data, adj_indices=a.indices, adj_indptr=a.indptr, adj_shape=a.shape,
             attr_data=x.data, attr_indices=x.indices, attr_indptr=x.indptr, attr_shape=x.shape,
             labels=y, class_names=np.array([f"c{i}" for i in range(k)]))
    return a.nnz // 2


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("evaluate")
    write_tiny_npz(tmp / "tiny.npz")
    args = ["evaluate", "--data", str(tmp / "tiny.npz"), "--seeds", "0,1", "--epochs", "3", "--hidden", "8",
            "--device", "cpu", "--no-fastrp", "--out", str(tmp / "out")]
    result = CliRunner().invoke(cli, args)
    return tmp, args, result


def test_evaluate_prints_the_table_and_the_bar(evaluated):
    _, _, result = evaluated
    assert result.exit_code == 0, result.output
    out = result.output
    header = next(line for line in out.splitlines() if line.startswith("method"))
    for col in ("AUC", "Hits@20", "Hits@50", "Hits@100", "MRR"):
        assert col in header
    for method in METHODS:
        row = next(line for line in out.splitlines() if line.startswith(method))
        cells = row[len(method):].split()
        # five "mean ± std" cells
        means = [float(cells[i]) for i in range(0, 15, 3)]
        assert all(0.0 <= v <= 1.0 for v in means), row
    assert "linear probe" in out and "accuracy" in out
    assert "bar: Hits@50 margin over RA" in out and ("-> MET" in out or "-> NOT MET" in out)
    assert "FastRP" not in out
    assert "seed 0: model AUC" in out and "seed 1: model AUC" in out  # progress per seed


def test_evaluate_writes_json_and_png_with_real_numbers(evaluated):
    tmp, _, result = evaluated
    assert result.exit_code == 0, result.output
    report = json.loads((tmp / "out" / "evaluation.json").read_text())
    assert report["seeds"] == [0, 1] and report["device"] == "cpu"
    assert set(report["summary"]) == set(METHODS)
    for method in METHODS:
        for m in METRICS:
            cell = report["summary"][method][m]
            assert math.isfinite(cell["mean"]) and math.isfinite(cell["std"]) and 0 <= cell["mean"] <= 1
    # heuristics see only the training graph: on a planted partition RA beats chance clearly
    assert report["summary"]["RA"]["auc"]["mean"] > 0.6
    assert len(report["per_seed"]) == 2 and all(s["epochs_run"] == 3 for s in report["per_seed"])
    assert 0.25 <= report["probe"]["mean"] <= 1.0
    assert report["bar"]["met"] in (True, False)
    png = (tmp / "out" / "evaluation.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert sorted(p.name for p in (tmp / "out" / "checkpoints").iterdir()) == ["seed0.pt", "seed1.pt"]


def test_rerun_resumes_from_checkpoints_with_identical_numbers(evaluated):
    tmp, args, first = evaluated
    before = json.loads((tmp / "out" / "evaluation.json").read_text())
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    after = json.loads((tmp / "out" / "evaluation.json").read_text())
    assert after["summary"] == before["summary"]


@pytest.mark.parametrize("args, message", [
    (["--seeds", "x"], "not an integer seed"),
    (["--seeds", "-1"], "negative"),
    (["--device", "tpu"], "tpu"),
    (["--epochs", "0"], "--epochs"),
])
def test_bad_arguments_are_refused(tmp_path, args, message):
    write_tiny_npz(tmp_path / "tiny.npz")
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(tmp_path / "tiny.npz"), "--no-fastrp", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_file_that_is_not_an_npz_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a graph")
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(bad), "--no-fastrp", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "Error:" in result.output and "not an Amazon Photo npz" in result.output


def test_undirected_lists_send_each_edge_once_and_isolated_nodes_alone():
    ei = np.array([[0, 1, 1, 2, 2, 2], [1, 0, 2, 1, 2, 0]])  # 0-1, 1-2, 2-0 both ways, a self-loop on 2
    src, dst = undirected_lists(ei, 5)
    assert sorted(zip(src, dst)) == [(0, 1), (0, 2), (1, 2), (3, -1), (4, -1)]
