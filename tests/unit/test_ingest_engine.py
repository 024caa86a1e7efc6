"""Engine helpers that need no database: batching, prefetching, the options' identity."""

import itertools
import threading

import pytest

from relmine.ingest.engine import chunked, prefetch
from relmine.ingest.options import IngestOptions


def test_chunked():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


def test_prefetch_keeps_order_and_raises_the_producers_error():
    assert list(prefetch(iter(range(100)))) == list(range(100))

    def broken():
        yield 1
        raise ValueError("bad batch")

    got = []
    with pytest.raises(ValueError, match="bad batch"):
        for item in prefetch(broken()):
            got.append(item)
    assert got == [1]


def test_prefetch_stops_its_thread_when_the_consumer_stops():
    before = threading.active_count()
    gen = prefetch(itertools.count())
    assert [next(gen) for _ in range(5)] == [0, 1, 2, 3, 4]
    gen.close()
    for t in threading.enumerate():
        if t.name == "relmine-ingest-prefetch":
            t.join(timeout=5)
    assert threading.active_count() <= before


def test_source_identity_ignores_how_but_not_what():
    base = IngestOptions(kind="orders", format="csv")
    sid = base.source_id("ab" * 32)
    assert IngestOptions(kind="orders", format="csv", batch_size=5, max_rejects=0, progress=False).source_id(
        "ab" * 32) == sid
    assert IngestOptions(kind="orders", format="csv", sku_prefix="x:").source_id("ab" * 32) != sid
    assert IngestOptions(kind="orders", format="csv", columns={"sku": "item"}).source_id("ab" * 32) != sid
    assert base.source_id("cd" * 32) != sid
    assert IngestOptions(kind="baskets", format="csv").source_id("ab" * 32) != sid
