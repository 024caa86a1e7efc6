"""Order files ingested in bounded chunks (issue 13 items 6 and 8): the graph equals an in-memory run's,
a rerun adds nothing, and a SIGKILL mid-stream followed by a rerun ends in the same graph.

The file interleaves the lines of its orders (an order's lines are far apart, in different chunks of
the file), and holds cancellation invoices, negative-quantity returns and a postage service line, so
that every count an order file feeds is checked: orders, CONTAINS, CO_PURCHASED counts and weights,
order counts, return counts and rates, RETURNED_TOGETHER, the global statistics.
"""

from __future__ import annotations

import csv
import random
import sys

import pytest

from relmine.ingest.generate import GeneratorSpec, generate
from relmine.ingest.spill import bucket_count
from tests.conftest import wipe
from tests.integration.ingest_helpers import child_env, fingerprint, ingest, rows, sigkill_in_phase

pytestmark = pytest.mark.integration

BATCH = 150
CHUNK_MB = 0.1  # the ~0.8 MB file in 8+ chunks


@pytest.fixture(scope="module")
def shuffled_orders(tmp_path_factory):
    """Generated orders with returns and postage lines added, every line of the file shuffled."""
    out = tmp_path_factory.mktemp("stream")
    generate(GeneratorSpec(products=300, orders=4_000, seed=11, mean_basket=4.0), out)
    with open(out / "orders.csv", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        lines = list(reader)
    rng = random.Random(3)
    by_order: dict[str, list[list[str]]] = {}
    for row in lines:
        by_order.setdefault(row[0], []).append(row)
    extra = []
    for oid, order in by_order.items():
        if rng.random() < 0.3:
            extra.append([oid, "POST", "1", order[0][3], order[0][4]])
        if rng.random() < 0.05:  # a cancellation invoice of part of the order
            for row in order[: max(1, len(order) // 2)]:
                extra.append(["C" + oid, row[1], "-" + row[2], row[3], row[4]])
        elif rng.random() < 0.03:  # a return line without a cancellation mark
            extra.append([oid, order[-1][1], "-1", order[-1][3], order[-1][4]])
    lines += extra
    rng.shuffle(lines)
    path = out / "shuffled_orders.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(lines)
    assert bucket_count(path, "csv", CHUNK_MB) >= 8
    return path


def graph_of(gw) -> dict:
    """:func:`fingerprint` plus what returns write."""
    out = fingerprint(gw)
    out["returns"] = sorted((r["sku"], r["n"], round(r["rate"], 9)) for r in rows(
        gw, "MATCH (p:Product) WHERE p.return_count IS NOT NULL "
            "RETURN p.sku AS sku, p.return_count AS n, p.return_rate AS rate"))
    out["returned_together"] = sorted((r["a"], r["b"], r["n"]) for r in rows(
        gw, "MATCH (a)-[r:RETURNED_TOGETHER]->(b) RETURN a.sku AS a, b.sku AS b, r.count AS n"))
    out["kinds"] = sorted((r["k"], r["n"]) for r in rows(gw, "MATCH (o:Order) RETURN o.kind AS k, count(*) AS n"))
    return out


@pytest.fixture(scope="module")
def in_memory(clean_graph, shuffled_orders, tmp_path_factory):
    """The graph of one uninterrupted run with the whole file grouped in memory."""
    wipe(clean_graph)
    report = ingest(clean_graph, shuffled_orders, "orders", tmp_path_factory.mktemp("m"), batch_size=BATCH)
    assert report.status == "done"
    assert "order_chunks" not in report.counts.notes
    graph = graph_of(clean_graph)
    wipe(clean_graph)
    return graph, report


def test_chunked_ingest_equals_in_memory_and_a_rerun_adds_nothing(clean_graph, shuffled_orders, in_memory,
                                                                 tmp_path):
    gw = clean_graph
    wipe(gw)
    expected, whole = in_memory
    assert expected["kinds"] == [("return", whole.counts.notes["return_orders"]),
                                 ("sale", expected["stats"][0]["n"])]
    assert expected["returned_together"] and expected["returns"]
    assert "POST" not in {sku for sku, _ in expected["order_counts"]}

    report = ingest(gw, shuffled_orders, "orders", tmp_path, batch_size=BATCH, chunk_mb=CHUNK_MB)
    assert report.status == "done"
    assert report.counts.notes["order_chunks"] == bucket_count(shuffled_orders, "csv", CHUNK_MB)
    for key in ("return_orders", "co_purchased_pairs", "returned_together_pairs", "service_lines",
                "orders_only_service_lines"):
        assert report.counts.notes.get(key) == whole.counts.notes.get(key), key
    assert (report.counts.read, report.counts.accepted) == (whole.counts.read, whole.counts.accepted)
    assert graph_of(gw) == expected

    again = ingest(gw, shuffled_orders, "orders", tmp_path, batch_size=BATCH, chunk_mb=CHUNK_MB)
    assert again.status == "already-ingested" and again.batches == 0
    assert graph_of(gw) == expected


@pytest.mark.parametrize("phase", ["orders", "co-purchases"])
def test_sigkill_mid_stream_then_rerun_equals_a_clean_run(clean_graph, neo4j_settings, shuffled_orders, in_memory,
                                                           tmp_path, phase):
    gw = clean_graph
    wipe(gw)
    expected, _ = in_memory
    cmd = [sys.executable, "-m", "relmine.cli.main", "ingest", "orders", str(shuffled_orders),
           "--batch-size", str(BATCH), "--chunk-mb", str(CHUNK_MB), "--no-progress",
           "--rejects", str(tmp_path / "rejects.csv")]
    killed = sigkill_in_phase(gw, cmd, child_env(neo4j_settings), shuffled_orders.name, phase)
    assert killed["status"] == "running" and killed["cursor"] > 0
    assert graph_of(gw) != expected  # really half-way

    # default --chunk-mb and another batch size: the first run's chunking and batch size win
    resumed = ingest(gw, shuffled_orders, "orders", tmp_path, batch_size=BATCH * 3)
    assert resumed.status == "done" and resumed.resumed_from >= killed["cursor"] and resumed.batches > 0
    assert resumed.counts.notes["order_chunks"] == bucket_count(shuffled_orders, "csv", CHUNK_MB)
    assert graph_of(gw) == expected
