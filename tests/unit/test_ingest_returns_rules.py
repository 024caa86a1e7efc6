"""The return / service-line rules and the Parquet/xlsx table readers, without Neo4j."""

from __future__ import annotations

import datetime as dt

import pytest

from relmine.errors import InputError
from relmine.ingest import returns as R
from relmine.ingest.textio import cell_text, detect_format, table_records


def test_default_patterns_catch_online_retail_service_codes_and_words():
    codes = R.compile_pattern("--service-codes", R.SERVICE_CODES)
    for code in ("POST", "DOT", "M", "m", "C2", "BANK CHARGES", "AMAZONFEE", "CRUK", "gift_0001_20", "PADS"):
        assert codes.search(code), code
    for code in ("85123A", "POSTCARD", "M1", "22423"):
        assert not codes.search(code), code
    text = R.compile_pattern("--service-pattern", R.SERVICE_TEXT)
    for desc in ("POSTAGE", "Next Day Carriage", "Bank Charges", "Manual", "Adjust bad debt", "SAMPLES",
                 "Discount", "AMAZON FEE"):
        assert text.search(desc), desc
    for desc in ("BLACK BAROQUE CARRIAGE CLOCK", "PLEASE ONE PERSON METAL SIGN", "VINTAGE POSTAGE STAMP MUG"):
        assert not text.search(desc), desc


def test_an_empty_pattern_turns_a_rule_off_and_a_bad_one_is_named():
    assert R.compile_pattern("--cancel-pattern", "") is None
    with pytest.raises(InputError, match="--cancel-pattern"):
        R.compile_pattern("--cancel-pattern", "(")


def test_service_stats_need_repeated_free_lines_and_a_majority_of_words():
    s = R.ServiceStats()
    for sku, price in (("FREE", 0.0), ("FREE", 0.0), ("ONCE", 0.0), ("NEG", -5.0), ("MIX", 0.0), ("MIX", 2.0)):
        s.price(sku, price)
    assert s.unpriced() == {"FREE", "NEG"}
    for sku, hit in (("A", True), ("A", False), ("B", True), ("B", True), ("B", False)):
        s.text(sku, hit)
    assert s.by_description() == {"B"}


def test_share_rule_needs_enough_orders():
    assert R.share_candidates({"X": 30, "Y": 10}, 49, 0.5) == set()
    assert R.share_candidates({"X": 30, "Y": 10}, 50, 0.5) == {"X"}
    assert R.share_candidates({"X": 30}, 50, 0) == set()


def test_cells_read_as_a_csv_export_would_hold_them():
    assert cell_text(None) == ""
    assert cell_text(536365.0) == "536365"
    assert cell_text(2.55) == "2.55"
    assert cell_text(dt.datetime(2010, 12, 1, 8, 26)) == "2010-12-01T08:26:00"
    assert cell_text(-3) == "-3"


def test_formats_from_the_extension():
    from pathlib import Path

    assert detect_format(Path("x.parquet")) == "parquet" and detect_format(Path("x.pq")) == "parquet"
    assert detect_format(Path("Online Retail II.xlsx")) == "xlsx"


def test_parquet_and_xlsx_records(tmp_path):
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"order": ["1", "2"], "qty": [3, None]}), tmp_path / "t.parquet")
    assert list(table_records(tmp_path / "t.parquet", "parquet")) == [(1, ["order", "qty"]), (2, ["1", "3"]),
                                                                       (3, ["2", ""])]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "A"
    ws.append(["order", "qty"])
    ws.append([1, 2])
    ws2 = book.create_sheet("B")
    ws2.append(["order", "qty"])
    ws2.append(["x", None])
    book.save(tmp_path / "t.xlsx")
    assert list(table_records(tmp_path / "t.xlsx", "xlsx")) == [("A!1", ["order", "qty"]), ("A!2", ["1", "2"]),
                                                                 ("B!2", ["x", ""])]
    assert [r for r, _ in table_records(tmp_path / "t.xlsx", "xlsx", "B")] == ["B!1", "B!2"]
    (tmp_path / "junk.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable .xlsx"):
        list(table_records(tmp_path / "junk.xlsx", "xlsx"))
    with pytest.raises(InputError, match="not a readable Parquet"):
        list(table_records(tmp_path / "junk.xlsx", "parquet"))
