"""SIGKILL a real ``relmine ingest`` mid-way, run it again: the graph equals an uninterrupted run's."""

from __future__ import annotations

import sys

import pytest

from relmine.ingest.generate import GeneratorSpec, generate
from tests.conftest import wipe
from tests.integration.ingest_helpers import child_env, fingerprint, ingest, sigkill_in_phase

pytestmark = pytest.mark.integration

BATCH = 150


@pytest.fixture(scope="module")
def orders_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("resume")
    generate(GeneratorSpec(products=400, orders=4_000, seed=5, mean_basket=4.0), out)
    return out / "orders.csv"


@pytest.fixture(scope="module")
def uninterrupted(clean_graph, orders_file, tmp_path_factory):
    wipe(clean_graph)
    report = ingest(clean_graph, orders_file, "orders", tmp_path_factory.mktemp("r"), batch_size=BATCH)
    assert report.status == "done" and report.batches > 40
    graph = fingerprint(clean_graph)
    wipe(clean_graph)
    return graph, report.batches


@pytest.mark.parametrize("phase", ["orders", "co-purchases"])
def test_sigkill_then_rerun_equals_an_uninterrupted_run(clean_graph, neo4j_settings, orders_file, uninterrupted,
                                                        tmp_path, phase):
    gw = clean_graph
    wipe(gw)
    expected, total_batches = uninterrupted
    cmd = [sys.executable, "-m", "relmine.cli.main", "ingest", "orders", str(orders_file),
           "--batch-size", str(BATCH), "--no-progress", "--rejects", str(tmp_path / "rejects.csv")]
    killed = sigkill_in_phase(gw, cmd, child_env(neo4j_settings), orders_file.name, phase)
    assert killed["status"] == "running" and 0 < killed["cursor"] < total_batches
    assert fingerprint(gw) != expected  # really half-way

    resumed = ingest(gw, orders_file, "orders", tmp_path, batch_size=BATCH * 3)  # the first run's batch size wins
    # a COMMIT already sent when the process died may still land: at least the cursor we saw
    assert resumed.status == "done" and resumed.resumed_from >= killed["cursor"]
    assert resumed.resumed_from + resumed.batches == total_batches
    assert fingerprint(gw) == expected
