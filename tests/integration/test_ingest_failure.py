"""A file whose writing fails part-way (a batch Neo4j refuses) leaves its Source ``failed``, resumable, with
nothing half-counted; the next run resumes there (issue 10 item 5). Real Neo4j, real refused transaction."""

from __future__ import annotations

import pytest

from relmine.errors import RelmineError
from relmine.gateway import Statement
from tests.conftest import wipe
from tests.integration.ingest_helpers import fingerprint, ingest, one, rows

pytestmark = pytest.mark.integration

CATALOG = "sku,title,category\n" + "".join(f"S{i:02d},Title {i % 6},Dept > Shelf{i % 3}\n" for i in range(12))


def _constraint(gw, create: bool) -> None:
    text = ("CREATE CONSTRAINT test_unique_title IF NOT EXISTS FOR (p:Product) REQUIRE p.title IS UNIQUE" if create
            else "DROP CONSTRAINT test_unique_title IF EXISTS")
    gw.write(Statement(text, "test"))


def test_a_refused_batch_leaves_the_source_failed_and_the_next_run_resumes(clean_graph, tmp_path):
    gw = clean_graph
    wipe(gw)
    path = tmp_path / "catalog.csv"
    path.write_text(CATALOG)
    reference = ingest(gw, path, "catalog", tmp_path, batch_size=2)
    expected = fingerprint(gw)
    wipe(gw)

    _constraint(gw, True)  # titles repeat every 6 products: the batch holding S06 is refused
    try:
        with pytest.raises(RelmineError, match=r"catalog.csv: writing stopped \(QueryError: .*marked failed; run the "
                                               r"same command again to resume after batch 5"):
            ingest(gw, path, "catalog", tmp_path, batch_size=2)
        source = rows(gw, "MATCH (s:Source) RETURN s.status AS status, s.cursor AS cursor, s.error AS error, "
                          "s.summary AS summary")
        assert len(source) == 1 and source[0]["status"] == "failed", source
        assert "title" in source[0]["error"] and source[0]["summary"] is None  # no closing counts
        cursor = source[0]["cursor"]
        categories_batches = 2  # 4 categories (Dept + 3 shelves) in batches of 2
        assert cursor == categories_batches + 3  # S00..S05 committed, the batch of S06, S07 refused
        assert one(gw, "MATCH (p:Product) RETURN count(p)") == 6
    finally:
        _constraint(gw, False)

    report = ingest(gw, path, "catalog", tmp_path, batch_size=2)
    assert report.status == "done" and report.resumed_from == cursor
    assert report.batches == reference.batches - cursor
    assert one(gw, "MATCH (s:Source) RETURN s.status") == "done"
    assert fingerprint(gw) == expected
