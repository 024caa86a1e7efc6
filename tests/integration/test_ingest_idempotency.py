"""Re-ingesting changes nothing; overlapping order files count each order once; a replayed batch is refused."""

from __future__ import annotations

import pytest

from relmine.ingest.engine import BatchRunner, IngestConflict, Step, simple_apply
from relmine.ingest.generate import GeneratorSpec, generate
from tests.conftest import data_file, wipe
from tests.integration.ingest_helpers import fingerprint, ingest, one, snap_slice

pytestmark = pytest.mark.integration


@pytest.fixture
def gw(clean_graph):
    wipe(clean_graph)
    return clean_graph


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    generate(GeneratorSpec(products=300, orders=1_500, seed=11), out)
    return out


def test_every_kind_twice_changes_nothing(gw, tmp_path, synthetic):
    files = [
        (synthetic / "catalog.csv", "catalog", {}),
        (synthetic / "orders.csv", "orders", {}),
        (synthetic / "co_viewed.csv", "edges", {}),
        (data_file("groceries.csv"), "baskets", {}),
        (snap_slice(data_file("amazon0302.txt.gz"), tmp_path / "s.txt.gz", 3_000), "edges",
         {"relation_type": "ALSO_BOUGHT", "sku_prefix": "snap:"}),
    ]
    for path, kind, opts in files:
        first = ingest(gw, path, kind, tmp_path, **opts)
        assert first.status == "done" and first.batches > 0
    before = fingerprint(gw)
    assert before["co_purchased"] and before["stats"][0]["n"] == 1_500 + 9_835
    for path, kind, opts in files:
        again = ingest(gw, path, kind, tmp_path, batch_size=77, **opts)  # batch size is not part of the identity
        assert again.status == "already-ingested" and again.batches == 0 and again.written == {}
        assert again.counts.read > 0  # the stored summary of the first run
    assert fingerprint(gw) == before


def _orders_csv(path, header, lines):
    path.write_text(header + "".join(lines))
    return path


def test_overlapping_order_files_count_each_order_once(gw, tmp_path, synthetic):
    text = (synthetic / "orders.csv").read_text().splitlines(keepends=True)
    header, lines = text[0], text[1:]
    order_ids = sorted({line.split(",")[0] for line in lines})
    cut_a, cut_b = order_ids[800], order_ids[600]
    part_a = _orders_csv(tmp_path / "a.csv", header, [l for l in lines if l.split(",")[0] < cut_a])
    part_b = _orders_csv(tmp_path / "b.csv", header, [l for l in lines if l.split(",")[0] >= cut_b])

    ingest(gw, synthetic / "orders.csv", "orders", tmp_path)
    whole = fingerprint(gw)
    wipe(gw)
    first = ingest(gw, part_a, "orders", tmp_path, batch_size=500)
    second = ingest(gw, part_b, "orders", tmp_path, batch_size=500)
    assert first.counts.duplicates == 0
    assert second.counts.duplicates == 200 and second.counts.notes["orders_already_in_graph"] == 200
    got = fingerprint(gw)
    assert got["co_purchased"] == whole["co_purchased"]  # A created the pairs, B merged into them
    assert got["labels"].pop("Source") == 2 and whole["labels"].pop("Source") == 1
    assert got == whole


def test_a_replayed_batch_is_refused_and_changes_nothing(gw, tmp_path, synthetic):
    report = ingest(gw, synthetic / "catalog.csv", "catalog", tmp_path)
    before = fingerprint(gw)
    gw.write("ingest/start_source", {"source_id": "replay", "kind": "catalog", "file": "x", "sha256": "x", "options": "{}",
                                     "batch_size": 10, "chunk_mb": 16.0})
    step = Step("products", 1, lambda: iter([[{"sku": "NEW1", "props": {}, "category": None}]]),
                simple_apply("ingest/merge_products"))
    BatchRunner(gw, "replay", 0, progress=False).run([step])
    assert one(gw, "MATCH (s:Source {id: 'replay'}) RETURN s.cursor") == 1
    replay = Step("products", 1, lambda: iter([[{"sku": "NEW2", "props": {}, "category": None}]]),
                  simple_apply("ingest/merge_products"))
    with pytest.raises(IngestConflict, match="not the next one"):
        BatchRunner(gw, "replay", 0, progress=False).run([replay])  # as if its commit had not been seen
    assert one(gw, "MATCH (p:Product {sku: 'NEW2'}) RETURN count(p)") == 0
    assert one(gw, "MATCH (s:Source {id: 'replay'}) RETURN s.cursor") == 1
    assert report.status == "done" and fingerprint(gw)["co_purchased"] == before["co_purchased"]
