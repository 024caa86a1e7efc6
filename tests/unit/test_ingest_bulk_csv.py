"""The CSV that `ingest --bulk` hands to neo4j-admin import, without a database: quoting, types, times."""

from datetime import datetime

import numpy as np
import pytest

from relmine.errors import InputError
from relmine.ingest import bulk
from relmine.ingest.pairs import NO_FIRST, NO_LAST, time_code


def test_strings_are_always_quoted_and_none_is_an_empty_cell():
    assert bulk._q('MUG "HEART", RED') == '"MUG ""HEART"", RED"'
    assert bulk._q("") == '""'  # an empty string stays a string; None is no property
    assert bulk._q(None) == "" and bulk._cell(None) == ""
    assert [bulk._cell(v) for v in (True, 7, 0.1, "x")] == ["true", "7", "0.1", '"x"']


def test_property_types_follow_the_python_values_and_others_are_refused():
    assert [bulk._import_type(v, "k") for v in ("a", 1, 1.5, False, datetime(2011, 1, 2))] == [
        "string", "long", "double", "boolean", "localdatetime"]
    with pytest.raises(InputError, match="cannot write property 'tags'"):
        bulk._import_type(["a"], "tags")


def test_times_are_iso_local_and_missing_times_are_empty():
    when = datetime(2010, 12, 1, 8, 26, 0, 123)
    codes = np.array([time_code(when), NO_FIRST], dtype=np.int64)
    assert bulk._times(codes, NO_FIRST) == ["2010-12-01T08:26:00.000123", ""]
    assert bulk._times(np.array([NO_LAST], dtype=np.int64), NO_LAST) == [""]


def test_the_import_stops_at_the_first_bad_entry_and_reads_line_breaks_when_needed(tmp_path):
    files = bulk.CsvFiles(tmp_path)
    files.node("Source", [{"id": "s1", "summary": "a\nb", "cursor": 3}])
    files.close()
    args = files.arguments(tmp_path / "report")
    assert "--bad-tolerance=0" in args and "--multiline-fields=true" in args
    assert any(a.startswith("--nodes=Source=") for a in args)
    text = next(tmp_path.glob("nodes-*-Source.csv")).read_text()
    assert text.splitlines()[0] == "id:ID(Source),summary:string,cursor:long"
