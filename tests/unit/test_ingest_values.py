"""Sanitising and typing rules of relmine.ingest.values."""

import json
import re
from datetime import date, datetime

import pytest
from hypothesis import given, strategies as st

from relmine.errors import InputError
from relmine.ingest import values as V


@pytest.mark.parametrize("raw, key", [
    ("Unit Price (€)", "unit_price"),
    ("Weight (g)", "weight_g"),
    ("colour", "colour"),
    ("productType", "product_type"),
    ("  Größe ", "grosse"),
    ("2nd hand", "f_2nd_hand"),
    ("a--b__c", "a_b_c"),
    ("x" * 100, "x" * 64),
])
def test_sanitize_key(raw, key):
    assert V.sanitize_key(raw) == key


@pytest.mark.parametrize("raw", ["", "   ", "€€€", "()"])
def test_sanitize_key_refuses_names_with_nothing_usable(raw):
    with pytest.raises(InputError, match="no usable characters"):
        V.sanitize_key(raw)


@given(st.text(min_size=1, max_size=120))
def test_sanitized_keys_are_always_safe_property_names(raw):
    try:
        key = V.sanitize_key(raw)
    except InputError:
        return
    assert re.fullmatch(r"[a-z][a-z0-9_]{0,63}", key), key


def test_property_keys_are_unique_and_keep_reserved_names_apart():
    keys = V.property_keys(["Color", "color ", "COLOR", "sku", "Embedding"])
    assert keys == {"Color": "color", "color ": "color_2", "COLOR": "color_3", "sku": "attr_sku",
                    "Embedding": "attr_embedding"}


@pytest.mark.parametrize("text, value", [
    ("", None), ("  ", None), ("42", 42), ("-7", -7), ("3.5", 3.5), ("1e3", 1000.0), ("0.25", 0.25),
    ("00123", "00123"), ("007.5", "007.5"), ("true", True), ("FALSE", False), (" red ", "red"),
    ("12 cm", "12 cm"), ("nan", "nan"),
])
def test_infer_scalar(text, value):
    assert V.infer_scalar(text) == value
    assert type(V.infer_scalar(text)) is type(value)


@pytest.mark.parametrize("value, expected", [
    (None, None), ("", None), ("  x ", "x"), (3, 3), (2.5, 2.5), (True, True),
    ([], None), (["a", " b "], ["a", "b"]), ([1, 2], [1, 2]), ([1, "a"], '[1, "a"]'),
    ({"k": [1]}, '{"k": [1]}'), ({}, None), ([None, ""], None),
])
def test_json_property(value, expected):
    assert V.json_property(value) == expected


@pytest.mark.parametrize("raw, expected", [
    ("", (None, None)), (None, (None, None)), ("$12.99", (12.99, None)), ("$1,250.00", (1250.0, None)),
    ("12.5", (12.5, None)), (7, (7.0, None)), ("$10.00 - $25.00", (10.0, 25.0)), ("EUR 3.10", (3.1, None)),
    ("3.10 €", (3.1, None)), ("  ", (None, None)),
])
def test_parse_price(raw, expected):
    assert V.parse_price(raw) == expected


@pytest.mark.parametrize("raw", [".a-box-inner{background-color:#fff}", "<span>9.99</span>", "cheap", "-3", True,
                                 "1.00 - 2.00 - 3.00"])
def test_parse_price_refuses_what_is_not_a_price(raw):
    with pytest.raises(ValueError):
        V.parse_price(raw)


def test_clean_category_levels_collapses_duplicates_and_cuts_at_junk():
    assert V.clean_category_levels(["Gift Cards", "Gift Cards"]) == ["Gift Cards"]
    assert V.clean_category_levels(["Gift Cards", "Gift Cards", "</span></span></span>", "Starbucks"]) == ["Gift Cards"]
    assert V.clean_category_levels(
        ["Gift Cards", "Gift Cards", "No expiration, no fees.", "Variety of designs for any occasion."]) == ["Gift Cards"]
    assert V.clean_category_levels(["Home &amp; Kitchen", " Pans "]) == ["Home & Kitchen", "Pans"]
    assert V.clean_category_levels(["A", "Multiple denominations. Choose your amount from $1.00"]) == ["A"]
    assert V.clean_category_levels(["A", "x" * 81]) == ["A"]
    assert V.clean_category_levels([]) == []
    assert V.clean_category_levels([None, "A"]) == []


def test_split_category_and_rows_put_parents_first():
    levels = V.split_category("Electronics > Camera > Lenses", ">")
    assert levels == ["Electronics", "Camera", "Lenses"]
    assert V.category_path(levels) == "Electronics > Camera > Lenses"
    rows = V.category_rows({"Electronics > Camera > Lenses", "Electronics > Audio"})
    assert [r["path"] for r in rows] == ["Electronics", "Electronics > Audio", "Electronics > Camera",
                                         "Electronics > Camera > Lenses"]
    assert rows[0]["parent"] is None and rows[-1]["parent"] == "Electronics > Camera"
    assert rows[-1]["name"] == "Lenses" and rows[-1]["depth"] == 3
    assert V.split_category("  ", ">") == []
    assert V.split_category("Toys/Board games", "/") == ["Toys", "Board games"]
    # a catalogue's own paths are trusted: no cutting at "sentences"
    assert V.split_category("Misc. > Odds & ends!", ">") == ["Misc.", "Odds & ends!"]
    assert V.clean_category_levels(["A", "A", " ", "B."], cut_junk=False) == ["A", "B."]


def test_relation_types_whitelist_pattern_and_reserved_names():
    assert V.relation_type("also-bought", frozenset()) == "ALSO_BOUGHT"
    assert V.relation_type("co viewed", frozenset()) == "CO_VIEWED"
    with pytest.raises(ValueError, match="unknown relation type"):
        V.relation_type("FRIEND_OF", frozenset())
    assert V.relation_type("FRIEND_OF", frozenset({"FRIEND_OF"})) == "FRIEND_OF"
    for bad in ("X]->() DETACH DELETE (n", "1ABC", "A" * 65, "", "ÄB"):
        with pytest.raises(ValueError, match="not a valid name"):
            V.relation_type(bad, frozenset({bad}))
    with pytest.raises(ValueError, match="reserved"):
        V.relation_type("CONTAINS", frozenset())
    with pytest.raises(InputError, match="not a valid relationship type"):
        V.extra_types(["BAD TYPE`"])
    with pytest.raises(InputError, match="reserved"):
        V.extra_types(["IN_CATEGORY"])
    assert V.extra_types(["friend-of"]) == frozenset({"FRIEND_OF"})


@pytest.mark.parametrize("raw, q", [("3", 3), (4, 4), ("2.0", 2), (" 7 ", 7)])
def test_parse_quantity(raw, q):
    assert V.parse_quantity(raw) == q


@pytest.mark.parametrize("raw, msg", [("0", "not positive"), ("-2", "not positive"), ("1.5", "whole"),
                                      ("", "empty"), ("x", "not a number"), (True, "not a number")])
def test_parse_quantity_rejects(raw, msg):
    with pytest.raises(ValueError, match=msg):
        V.parse_quantity(raw)


def test_parse_time():
    assert V.parse_time("2010-12-01 08:26:00") == datetime(2010, 12, 1, 8, 26)
    assert V.parse_time("2024-01-01T00:00:24") == datetime(2024, 1, 1, 0, 0, 24)
    assert V.parse_time("2024-03-05") == datetime(2024, 3, 5)  # always a LOCAL DATETIME
    assert V.parse_time("2024-03-05T10:00:00Z") == datetime(2024, 3, 5, 10)
    assert V.parse_time("2024-03-05T10:00:00+02:00") == datetime(2024, 3, 5, 8)  # converted to UTC
    assert V.parse_time("01.12.2010 08:26") == datetime(2010, 12, 1, 8, 26)
    assert V.parse_time("2010/12/01 08:26") == datetime(2010, 12, 1, 8, 26)
    with pytest.raises(V.AmbiguousDate, match="--date-format"):
        V.parse_time("12/01/2010 08:26")
    assert V.parse_time("12/01/2010 08:26", "%m/%d/%Y %H:%M") == datetime(2010, 12, 1, 8, 26)
    assert V.parse_time("12/01/2010 08:26", "%d/%m/%Y %H:%M") == datetime(2010, 1, 12, 8, 26)
    with pytest.raises(ValueError, match="does not match --date-format"):
        V.parse_time("2010-12-01", "%d/%m/%Y")
    with pytest.raises(InputError, match="--date-format"):
        V.check_date_format("%H:%M")
    assert V.parse_time("") is None
    with pytest.raises(ValueError, match="not a date"):
        V.parse_time("yesterday")
    # Unix time, as exports such as the Complete Journey's write it: seconds or milliseconds, read as UTC
    assert V.parse_time("1485630413.0") == datetime(2017, 1, 28, 19, 6, 53)
    assert V.parse_time("1485630413") == V.parse_time("1485630413000") == datetime(2017, 1, 28, 19, 6, 53)
    for not_epoch in ("20170128", "12345", "14856304130"):  # a yyyymmdd date, too short, 11 digits
        with pytest.raises(ValueError, match="not a date"):
            V.parse_time(not_epoch)


def test_parse_weight_and_sku():
    assert V.parse_weight("") == 1.0 and V.parse_weight("0.5") == 0.5
    with pytest.raises(ValueError):
        V.parse_weight("inf")
    with pytest.raises(ValueError):
        V.parse_weight("heavy")
    assert V.clean_sku(" 85123A ") == "85123A" and V.clean_sku(12) == "12"
    for bad in ("", "  ", None, "a\tb", "x" * 201, [1]):
        with pytest.raises(ValueError):
            V.clean_sku(bad)


# -- issue 10 items 5 and 6: bad values are refused with a reason, never stored changed -----------------------
@pytest.mark.parametrize("value, msg", [
    (float("inf"), "not finite"), (2**63, "64-bit"), (-(2**63) - 1, "64-bit"), ([1, 2**70], "64-bit"),
    ({"a": [float("nan")]}, "not finite"), ("x" * (V.TEXT_MAX + 1), "longer than"),
    (json.loads("[" * 40 + "]" * 40), "nested deeper"),
])
def test_json_values_neo4j_cannot_hold_are_refused(value, msg):
    with pytest.raises(ValueError, match=msg):
        V.json_property(value, "key 'x'")
    assert V.json_property(2**63 - 1) == 2**63 - 1


@pytest.mark.parametrize("raw, msg", [
    ("1,2,3", "not a price"), ("1.250,00", "not a price"), ("9" * 400, "not a price"), ("9" * 150, "above the limit"),
    (float("inf"), "above the limit"), (1e300, "above the limit"), ("12,34", "not a price"),
])
def test_prices_that_would_change_silently_are_refused(raw, msg):
    with pytest.raises(ValueError, match=msg):
        V.parse_price(raw)
    assert V.parse_price("1,234,567.5") == (1234567.5, None)


@pytest.mark.parametrize("raw, msg", [("1e30", "above the limit"), (10**30, "above the limit"),
                                      ("1e400", "not a finite"), ("nan", "not a finite")])
def test_quantities_over_the_limit_are_refused(raw, msg):
    with pytest.raises(ValueError, match=msg):
        V.parse_quantity(raw)
    assert V.add_quantity(V.QTY_MAX - 1, 1) == V.QTY_MAX
    with pytest.raises(ValueError, match="above the limit"):
        V.add_quantity(V.QTY_MAX, 1)


def test_key_and_indexed_field_limits():
    assert V.clean_sku("s" * V.SKU_MAX) == "s" * V.SKU_MAX
    with pytest.raises(ValueError, match="longer than the limit"):
        V.clean_sku("s" * (V.SKU_MAX + 1))
    with pytest.raises(ValueError, match="longer than the limit"):
        V.clean_order_id("o" * 1_000_000)
    with pytest.raises(ValueError, match="empty"):
        V.clean_order_id("  ")
    with pytest.raises(ValueError, match="levels, more than the limit"):
        V.category_path([f"l{i}" for i in range(3000)])
    with pytest.raises(ValueError, match="longer than the limit"):
        V.category_path(["c" * 10_000])
    with pytest.raises(ValueError, match="path of"):
        V.category_path(["c" * 150] * 10)
    assert V.category_path(["a", "b"]) == "a > b"


def test_keys_with_no_ascii_characters_get_a_stable_fallback_key():
    keys = V.property_key_list(["颜色", "颜色", "尺寸", "color", "color"])
    assert keys[0] == V.fallback_key("颜色") and re.fullmatch(r"key_[0-9a-f]{8}", keys[0])
    assert keys[1] == keys[0] + "_2" and keys[2] != keys[0] and keys[3:] == ["color", "color_2"]


@pytest.mark.parametrize("raw, text, what", [
    ('<span class="a-size-medium a-color-secondary"', None, "nulled"),
    (".a-color-secondary { color: #555; }", None, "nulled"),
    ("<div><p>", None, "nulled"),
    ('<span class="a">Gift Card</span', "Gift Card", "cleaned"),
    ("Nice <b>Pan</b> 24cm", "Nice Pan 24cm", "cleaned"),
    ("Pan <style>.x{a:b}</style>", "Pan", "cleaned"),
    ("Kettle &amp; Toaster", "Kettle & Toaster", "cleaned"),
    ('A 5" screen', 'A 5" screen', "kept"),
    ("Plain  title", "Plain title", "kept"),
])
def test_clean_text_removes_junk_and_nulls_what_is_only_junk(raw, text, what):
    assert V.clean_text(raw) == (text, what)
