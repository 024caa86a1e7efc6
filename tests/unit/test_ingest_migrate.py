"""``relmine migrate`` reads order times as the ingest reads them (issue 26 item 1)."""

from datetime import date, datetime, timedelta, timezone

import neo4j.time

from relmine.ingest.migrate import _local
from relmine.ingest.values import parse_time


def test_order_times_of_any_stored_kind_read_as_the_ingest_reads_them():
    assert _local(neo4j.time.DateTime(2011, 1, 2, 3, 4, 5, 123456000)) == datetime(2011, 1, 2, 3, 4, 5, 123456)
    zoned = neo4j.time.DateTime(2011, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    assert _local(zoned) == parse_time("2011-01-02T03:04:05+01:00") == datetime(2011, 1, 2, 2, 4, 5)
    assert _local(neo4j.time.Date(2011, 1, 2)) == parse_time("2011-01-02") == datetime(2011, 1, 2)
    assert _local(date(2011, 1, 2)) == datetime(2011, 1, 2)
    assert _local("2011-01-02") is None and _local(20110102) is None
