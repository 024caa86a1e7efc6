"""Issue 10 items 5 and 6 at the reader: each bad value is a reject with its reason (never a traceback),
each silent change is now visible (a reject, a refused file with a clear message, or a documented note)."""

import json

import pytest

from relmine.errors import InputError
from relmine.ingest import values as V
from tests.unit.test_ingest_readers import read, write


def _reasons(rejects):
    return {int(r["line"]): r["reason"] for r in rejects}


def test_orders_bad_quantities_ids_and_sums_are_rejects(tmp_path):
    big_id = "O" * 1_000_000
    text = ("order,sku,qty\n"
            "O1,A,1e30\n"                       # 2: above the limit
            f"O1,B,{10**30}\n"                  # 3
            "O1,C,1e400\n"                      # 4: not finite
            f"{big_id},A,1\n"                   # 5: 1 MB order id
            f"O2,A,{V.QTY_MAX}\n"               # 6: fine
            "O2,A,1\n"                          # 7: the sum would pass the limit
            "O3,A,2\n")                         # 8: fine
    parsed, rejects = read(write(tmp_path / "o.csv", text), "orders")
    reasons = _reasons(rejects)
    assert set(reasons) == {2, 3, 4, 5, 7}
    assert "above the limit" in reasons[2] and "above the limit" in reasons[3] and "finite" in reasons[4]
    assert "order id" in reasons[5] and "longer than the limit 200" in reasons[5]
    assert "summed to" in reasons[7] and "above the limit" in reasons[7]
    assert all(len(r["raw"]) <= 500 for r in rejects)
    assert parsed.orders.ids == ["O2", "O3"] and parsed.orders.items[0] == {"A": V.QTY_MAX}
    assert (parsed.counts.read, parsed.counts.accepted, parsed.counts.rejected) == (7, 2, 5)


def test_catalog_oversized_categories_and_paths_are_rejects(tmp_path):
    deep = " > ".join(f"level{i}" for i in range(3000))
    text = ("sku,title,category\n"
            f"A1,Pan,{'c' * 10_240}\n"
            f"A2,Pot,{deep}\n"
            "A3,Lid,Kitchen > Lids\n")
    parsed, rejects = read(write(tmp_path / "c.csv", text), "catalog")
    reasons = _reasons(rejects)
    assert "category level" in reasons[2] and "longer than the limit 200" in reasons[2]
    assert "3,000 levels, more than the limit 20" in reasons[3]
    assert [p["sku"] for p in parsed.products] == ["A3"]


def test_json_values_neo4j_cannot_hold_are_rejects_not_tracebacks(tmp_path):
    lines = [
        json.dumps({"sku": "J1", "title": "ok", "stock": 2**70}),                # int above int64
        "[" * 100_000 + "]" * 100_000,                                          # RecursionError in json
        json.dumps({"sku": "J3", "nested": json.loads("[" * 50 + "]" * 50)}),   # deeper than the limit
        '{"sku": "J4", "price": 1e400}',                                        # Infinity
        json.dumps({"sku": "J5", "颜色": "红", "尺寸": "L", "title": "ok"}),      # keys with no ASCII
        json.dumps({"sku": "J6", "title": "fine", "category": ["A", "B"]}),
        '{"sku": "J7", "title": "a", "title": "b"}',                           # a key twice, two values
        '{"sku": "J8", "title": "same", "title": "same"}',                     # a key twice, one value: fine
    ]
    parsed, rejects = read(write(tmp_path / "c.jsonl", "\n".join(lines) + "\n"), "catalog")
    reasons = _reasons(rejects)
    assert set(reasons) == {1, 2, 3, 4, 7}
    assert "64-bit" in reasons[1] and "nested deeper" in reasons[2] and "nested deeper" in reasons[3]
    assert "price" in reasons[4]
    assert reasons[7] == 'JSON key \'title\' given twice with different values: "a" and "b"'
    by = {p["sku"]: p for p in parsed.products}
    assert set(by) == {"J5", "J6", "J8"}
    assert by["J5"]["props"] == {"title": "ok", V.fallback_key("颜色"): "红", V.fallback_key("尺寸"): "L"}


def test_amazon_meta_limits_and_deep_json_are_rejects(tmp_path):
    lines = [json.dumps({"asin": "M1", "title": "ok", "category": [f"c{i}" for i in range(3000)]}),
             json.dumps({"asin": "M2", "title": "ok", "rank": 2**64}),
             '{"asin": "M3", "x": ' + "[" * 5000 + "]" * 5000 + "}",
             json.dumps({"asin": "M4", "title": '<span class="a-size-medium a-color-secondary"'}),
             json.dumps({"asin": "M5", "title": "Gift <b>Card</b>", "description": ["<div>", "  "]})]
    parsed, rejects = read(write(tmp_path / "m.jsonl", "\n".join(lines) + "\n"), "amazon-meta")
    reasons = _reasons(rejects)
    assert set(reasons) == {1, 2, 3}
    assert "levels" in reasons[1] and "64-bit" in reasons[2] and "nested deeper" in reasons[3]
    by = {p["sku"]: p for p in parsed.products}
    assert "title" not in by["M4"]["props"] and by["M5"]["props"]["title"] == "Gift Card"
    assert "description" not in by["M5"]["props"]
    assert parsed.counts.notes["title_nulled"] == 1 and parsed.counts.notes["title_cleaned"] == 1
    assert parsed.counts.notes["description_nulled"] == 1


def test_duplicate_header_names_keep_both_free_columns_and_refuse_a_mapped_one(tmp_path):
    parsed, _ = read(write(tmp_path / "c.csv", "sku,color,color\nA1,red,blue\n"), "catalog")
    assert parsed.products[0]["props"] == {"color": "red", "color_2": "blue"}
    assert parsed.counts.notes["duplicate_columns_renamed"] == 1
    with pytest.raises(InputError, match=r"names column 'sku' twice \(columns 1 and 3\).*sku field"):
        read(write(tmp_path / "d.csv", "sku,title,sku\nA1,Pan,A2\n"), "catalog")
    with pytest.raises(InputError, match=r"names column 'order_id' twice \(columns 1 and 3\).*order field"):
        read(write(tmp_path / "o.csv", "Order ID,sku,order_id\nO1,A,O2\n"), "orders")


def test_prices_are_never_changed_silently(tmp_path):
    text = "sku,price\nP1,\"1,2,3\"\nP2," + "9" * 400 + "\nP3,\"1,234.50\"\n"
    parsed, rejects = read(write(tmp_path / "c.csv", text), "catalog")
    reasons = _reasons(rejects)
    assert "'1,2,3' is not a price" in reasons[2] and "is not a price" in reasons[3]
    assert [p["props"]["price"] for p in parsed.products] == [1234.5]


def test_ambiguous_dates_need_date_format(tmp_path):
    path = write(tmp_path / "o.csv", "order,sku,time\nO1,A,2010-12-01 08:26\nO2,B,03/04/2010 10:00\n")
    with pytest.raises(InputError, match=r"line 3: time '03/04/2010 10:00'.*--date-format"):
        read(path, "orders")
    parsed, rejects = read(path, "orders", date_format="%d/%m/%Y %H:%M")
    assert [(r["line"], "does not match --date-format" in r["reason"]) for r in rejects] == [("2", True)]
    assert parsed.orders.props[0]["time"].isoformat() == "2010-04-03T10:00:00"


def test_order_times_are_one_type(tmp_path):
    path = write(tmp_path / "o.csv", "order,sku,time\nO1,A,2010-12-01\nO2,B,2010-12-01T10:00:00+02:00\n"
                                     "O3,C,2010-12-01 10:00:00\n")
    parsed, rejects = read(path, "orders")
    assert rejects == []
    times = [p["time"] for p in parsed.orders.props]
    assert {type(t).__name__ for t in times} == {"datetime"} and all(t.tzinfo is None for t in times)
    assert [t.isoformat() for t in times] == ["2010-12-01T00:00:00", "2010-12-01T08:00:00", "2010-12-01T10:00:00"]


def test_conflicting_relation_weights_are_rejects_with_both_values(tmp_path):
    parsed, rejects = read(write(tmp_path / "e.csv", "src,dst,type,weight\na,b,SUBSTITUTE,1\nb,a,SUBSTITUTE,2\n"
                                                     "a,b,SUBSTITUTE,1\n"), "edges")
    assert [r["line"] for r in rejects] == ["3"]
    assert "conflicts with line 2" in rejects[0]["reason"] and '{"weight": 1.0} (kept) vs {"weight": 2.0}' in \
        rejects[0]["reason"]
    assert list(parsed.edges.rows("SUBSTITUTE")) == [["a", "b", 1.0]]
    assert (parsed.counts.accepted, parsed.counts.duplicates, parsed.counts.rejected) == (1, 1, 1)


@pytest.mark.parametrize("read_rows, rejected, accepted, stops", [
    (525_000, 3_000, 522_000, False),   # 0.6 % of a large file: loads (over --max-rejects 1,000)
    (525_000, 6_000, 519_000, True),    # 1.1 %: over both limits
    (900, 900, 0, True),                # a wrong mapping on a small file: every row rejected
    (2_000, 1_000, 1_000, False),       # within the absolute allowance
    (2_000, 1_001, 999, True),
    (10, 0, 10, False),
])
def test_reject_threshold_is_the_larger_of_count_and_share(read_rows, rejected, accepted, stops):
    from relmine.ingest.options import IngestOptions
    from relmine.ingest.parsed import Counts

    opts = IngestOptions(kind="orders")  # defaults: --max-rejects 1000, --max-reject-rate 0.01
    assert opts.too_many_rejects(Counts(read=read_rows, accepted=accepted, rejected=rejected)) is stops
    strict = IngestOptions(kind="orders", max_rejects=0, max_reject_rate=0.0)
    assert strict.too_many_rejects(Counts(read=10, accepted=9, rejected=1))
