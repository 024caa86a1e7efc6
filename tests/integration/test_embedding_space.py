"""The embeddings a real worker writes are not collapsed: cosine tells planted categories apart."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from relmine.gnn.embedspace import center_normalise, concentration
from relmine.learn.pipeline import _local_types, full_graph_outputs, get_run, load_model, pull_run_graph
from tests.conftest import wipe
from tests.integration.learn_graph import load_small_graph

pytestmark = pytest.mark.integration

ARGS = ["train", "--partition-size", "80", "--epochs", "3", "--hidden", "16", "--heads", "2", "--top-k", "5",
        "--run-id", "train-space-1", "--wait", "--timeout", "300"]


def test_written_embeddings_tell_categories_apart(clean_graph, worker_factory, amqp_url):
    gw = clean_graph
    wipe(gw)
    graph = load_small_graph(gw)  # 160 products, 4 planted categories, relations mostly within a category
    worker = worker_factory(amqp_url)
    result = subprocess.run([sys.executable, "-m", "relmine.cli.main", *ARGS], env=worker.client_env(),
                            capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, result.stdout + result.stderr + worker.output()[-4000:]

    rows = gw.read("learn/product_embeddings")
    assert len(rows) == graph["products"] and {r["run"] for r in rows} == {"train-space-1"}
    h = np.asarray([r["embedding"] for r in rows])
    # written: the encoder's output centred on the mean of every product of the run (two partitions
    # of 80, one mean) and unit length
    # (the run's artifacts are deleted once it is done: the raw output is the shipped model's, again)
    model = load_model(gw, "train-space-1")
    spec, types, lg = pull_run_graph(gw, get_run(gw, "train-space-1"))
    encoded, _ = full_graph_outputs(model, lg, _local_types(types)[lg.types], spec.max_step_edges)
    order = [lg.skus.index(r["sku"]) for r in rows]
    raw = encoded[order]  # what was written before the centring, in the rows' order
    assert torch.allclose(torch.tensor(h, dtype=torch.float32), center_normalise(encoded)[order], atol=1e-5)
    assert np.allclose(np.linalg.norm(h, axis=1), 1.0, atol=1e-4)
    before = concentration(raw.numpy(), [r["category"] for r in rows], k=5)

    c = concentration(h, [r["category"] for r in rows], k=5)
    assert c["within"] > c["across"] + 0.2, c
    assert c["within"] - c["across"] > before["within"] - before["across"], (c, before)
    assert c["nn_max"] - c["nn_min"] > 0.001, c   # the nearest cosines are not all the same number
    assert c["nn_spread"] > 0.001, c

    # relmine neighbours ranks by that cosine: its top 5 mostly share the product's category
    out = subprocess.run([sys.executable, "-m", "relmine.cli.main", "neighbours", "P0000", "-k", "5"],
                         env=worker.client_env(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    cat = {r["sku"]: r["category"] for r in rows}
    near = [line.split()[0] for line in out.stdout.splitlines() if line.split() and line.split()[0] in cat]
    assert len(near) == 5, out.stdout
    assert sum(cat[s] == cat["P0000"] for s in near) >= 3, out.stdout
