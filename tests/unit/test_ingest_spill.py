"""Order files over --chunk-mb: lines spilled by order id and grouped one bucket at a time give the
same orders as grouping the whole file in memory, whatever the place of an order's lines."""

import csv
import random

from relmine.ingest import values as V
from relmine.ingest.options import IngestOptions
from relmine.ingest.parsed import Counts, RejectLog
from relmine.ingest.readers import READERS, ReadContext
from relmine.ingest.spill import OrderBuckets, bucket_count, scratch


def _read(path, tmp_path, spill=None, **opts):
    options = IngestOptions(kind="orders", **opts)
    counts = Counts()
    log = RejectLog(tmp_path / f"{path.name}.{bool(spill)}.rejects.csv", counts)
    try:
        parsed = READERS["orders"](ReadContext(path, "csv", options, "ab" * 32, log, spill=spill))
    finally:
        log.close()
    rejects = list(csv.DictReader(open(log.path, newline=""))) if log.path.exists() else []
    return parsed, rejects


def _orders(parsed) -> dict:
    out = {}
    for table, _ in parsed.buckets.tables():
        for oid, props, items, r in zip(table.ids, table.props, table.items, table.returns):
            assert oid not in out, f"order {oid} in two buckets"
            out[oid] = (props, items, r)
    return out


def _shuffled_file(tmp_path, n_orders=600):
    rng = random.Random(1)
    lines = []
    for o in range(n_orders):
        for _ in range(rng.randint(1, 6)):
            lines.append([f"O{o}", f"P{rng.randint(0, 80)}", str(rng.randint(1, 4)), f"2024-01-0{1 + o % 9}T10:00:00",
                          f"C{o % 50}"])
        if o % 40 == 0:
            lines.append([f"C{o}", "P1", "-2", "2024-02-01T10:00:00", "C1"])
    lines.append(["O7", "P3", str(V.QTY_MAX), "2024-01-08T10:00:00", "C7"])
    lines.append(["O7", "P3", str(V.QTY_MAX), "2024-01-08T10:00:00", "C7"])  # the sum passes the limit
    rng.shuffle(lines)
    path = tmp_path / "orders.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "sku", "quantity", "time", "customer"])
        w.writerows(lines)
    return path


def test_chunked_grouping_equals_in_memory_grouping(tmp_path):
    path = _shuffled_file(tmp_path)
    whole, whole_rejects = _read(path, tmp_path)
    with scratch(tmp_path / "home") as work:
        chunked, chunked_rejects = _read(path, tmp_path, spill=work, chunk_mb=0.002)
        n = bucket_count(path, "csv", 0.002)
        assert n >= 8 and chunked.buckets.n == n and chunked.counts.notes["order_chunks"] == n
        assert _orders(chunked) == _orders(whole)
        assert chunked.buckets.in_orders == whole.buckets.in_orders
        assert (chunked.buckets.n_sales, chunked.buckets.any_returns) == (whole.buckets.n_sales, True)
        assert sorted(s["sku"] for s in chunked.stubs) == sorted(s["sku"] for s in whole.stubs)
        assert list(work.iterdir())
    assert not (tmp_path / "home" / "spill").exists() or not list((tmp_path / "home" / "spill").iterdir())
    assert (chunked.counts.read, chunked.counts.accepted, chunked.counts.rejected) == \
           (whole.counts.read, whole.counts.accepted, whole.counts.rejected) and whole.counts.rejected == 1
    assert [r["reason"] for r in chunked_rejects] == [r["reason"] for r in whole_rejects]
    assert "summed to" in chunked_rejects[0]["reason"]


def test_scratch_folders_of_dead_processes_are_removed(tmp_path):
    stale = tmp_path / "spill" / "ingest-999999999-abc"
    stale.mkdir(parents=True)
    (stale / "lines-0000.pkl").write_bytes(b"x")
    with scratch(tmp_path) as work:
        assert work.is_dir() and not stale.exists()
    assert not work.exists()


def test_one_bucket_without_a_scratch_folder():
    assert OrderBuckets(None, 5).n == 1
