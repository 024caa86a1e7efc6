"""Returns, cancellations, service lines, Parquet and xlsx order files against a real Neo4j (issue 13)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from relmine.errors import InputError
from tests.conftest import wipe
from tests.integration.ingest_helpers import fingerprint, ingest, one, rows

pytestmark = pytest.mark.integration

HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
# Two sales of A+B(+C), a cancellation of 100 (A and B came back), a negative line inside sale 102,
# and a cancellation whose sale is not in the file (Z only ever came back).
RETURNS = [
    ["100", "A1", "Lamp", "2", "2011-01-01 10:00:00", "2.50", "7"],
    ["100", "B1", "Shade", "1", "2011-01-01 10:00:00", "4.00", "7"],
    ["100", "C1", "Bulb", "3", "2011-01-01 10:00:00", "1.00", "7"],
    ["101", "A1", "Lamp", "1", "2011-01-02 10:00:00", "2.50", "8"],
    ["101", "B1", "Shade", "1", "2011-01-02 10:00:00", "4.00", "8"],
    ["C100", "A1", "Lamp", "-1", "2011-01-03 10:00:00", "2.50", "7"],
    ["C100", "B1", "Shade", "-1", "2011-01-03 10:00:00", "4.00", "7"],
    ["102", "A1", "Lamp", "2", "2011-01-04 10:00:00", "2.50", "9"],
    ["102", "D1", "Plug", "-1", "2011-01-04 10:00:00", "0.80", "9"],
    ["102", "C1", "Bulb", "1", "2011-01-04 10:00:00", "1.00", "9"],
    ["C999", "Z1", "Clock", "-1", "2011-01-05 10:00:00", "9.00", "5"],
]


@pytest.fixture
def gw(clean_graph):
    wipe(clean_graph)
    return clean_graph


def write_csv(path: Path, header: list[str], body: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(body)
    return path


def pairs(gw, rel: str = "CO_PURCHASED") -> dict:
    return {(r["a"], r["b"]): r["n"] for r in rows(
        gw, f"MATCH (a:Product)-[r:{rel}]->(b:Product) RETURN a.sku AS a, b.sku AS b, r.count AS n")}


def products(gw) -> dict:
    return {r["s"]: (r["o"], r["r"], r["rate"]) for r in rows(
        gw, "MATCH (p:Product) RETURN p.sku AS s, p.order_count AS o, p.return_count AS r, p.return_rate AS rate")}


def test_cancellations_and_negative_lines_are_returns_not_rejects(gw, tmp_path):
    path = write_csv(tmp_path / "returns.csv", HEADER, RETURNS)
    report = ingest(gw, path, "orders", tmp_path)
    c = report.counts
    assert (c.read, c.accepted, c.rejected) == (11, 11, 0)
    assert c.notes["return_lines"] == 4 and c.notes["return_orders"] == 3
    kinds = {r["id"]: r["k"] for r in rows(gw, "MATCH (o:Order) RETURN o.id AS id, o.kind AS k")}
    assert kinds == {"100": "sale", "101": "sale", "102": "sale", "C100": "return", "102:return": "return",
                     "C999": "return"}
    # returns feed no co-purchase evidence: A-B is in 100 and 101 (not C100), D is in no sale
    assert pairs(gw) == {("A1", "B1"): 2, ("A1", "C1"): 2, ("B1", "C1"): 1}
    assert pairs(gw, "RETURNED_TOGETHER") == {("A1", "B1"): 1}
    assert products(gw) == {"A1": (3, 1, pytest.approx(1 / 3)), "B1": (2, 1, 0.5), "C1": (2, None, None),
                            "D1": (None, 1, None), "Z1": (None, 1, None)}
    assert one(gw, "MATCH (s:Stats) RETURN s.n_orders") == 3
    assert one(gw, "MATCH (s:Stats) RETURN s.n_order_lines") == 7
    qty = {(r["o"], r["p"]): r["q"] for r in rows(
        gw, "MATCH (o:Order {kind: 'return'})-[c:CONTAINS]->(p) RETURN o.id AS o, p.sku AS p, c.qty AS q")}
    assert qty == {("C100", "A1"): 1, ("C100", "B1"): 1, ("102:return", "D1"): 1, ("C999", "Z1"): 1}
    again = ingest(gw, path, "orders", tmp_path)
    assert again.status == "already-ingested"


def test_a_return_in_a_later_file_updates_the_rate(gw, tmp_path):
    ingest(gw, write_csv(tmp_path / "sales.csv", HEADER, RETURNS[:5]), "orders", tmp_path)
    assert products(gw)["A1"] == (2, None, None)
    ingest(gw, write_csv(tmp_path / "cancel.csv", HEADER, RETURNS[5:7]), "orders", tmp_path)
    assert products(gw)["A1"] == (2, 1, 0.5)
    ingest(gw, write_csv(tmp_path / "more.csv", HEADER, RETURNS[7:8]), "orders", tmp_path)
    assert products(gw)["A1"] == (3, 1, pytest.approx(1 / 3))


def test_a_status_column_marks_returns_and_the_rules_can_be_turned_off(gw, tmp_path):
    header = ["order_id", "sku", "qty", "status"]
    body = [["1", "A1", "1", "paid"], ["1", "B1", "1", "paid"], ["2", "A1", "1", "Refunded"],
            ["2", "B1", "1", "Refunded"], ["C3", "A1", "1", "paid"], ["C3", "B1", "1", "paid"]]
    report = ingest(gw, write_csv(tmp_path / "status.csv", header, body), "orders", tmp_path, cancel_pattern="")
    assert report.counts.notes["return_orders"] == 1
    assert pairs(gw) == {("A1", "B1"): 2}  # orders 1 and C3 (no cancellation pattern)
    assert pairs(gw, "RETURNED_TOGETHER") == {("A1", "B1"): 1}
    assert one(gw, "MATCH (o:Order {id: '2:return'}) RETURN o.kind") == "return"


SERVICE = [
    ["1", "A1", "Lamp", "1", "2011-01-01", "2.50", "7"],
    ["1", "B1", "Shade", "1", "2011-01-01", "4.00", "7"],
    ["1", "POST", "POSTAGE", "1", "2011-01-01", "18.00", "7"],
    ["2", "A1", "Lamp", "1", "2011-01-02", "2.50", "8"],
    ["2", "X9", "Carriage", "1", "2011-01-02", "50.00", "8"],
    ["2", "B1", "Shade", "1", "2011-01-02", "4.00", "8"],
    ["3", "B1", "Shade", "2", "2011-01-03", "4.00", "9"],
    ["3", "FREE1", "Catalogue insert", "1", "2011-01-03", "0", "9"],
    ["1", "FREE1", "Catalogue insert", "1", "2011-01-01", "0.00", "7"],
    ["2", "GIFT1", "Tea towel", "1", "2011-01-02", "0", "8"],
    ["3", "CLOCK1", "Black carriage clock", "1", "2011-01-03", "9.50", "9"],
    ["2", "CLOCK1", "adjustment", "1", "2011-01-03", "9.50", "9"],
    ["1", "CLOCK1", "Black carriage clock", "1", "2011-01-03", "9.50", "9"],
    ["3", "C1", "Bulb", "1", "2011-01-03", "1.00", "9"],
    ["4", "ADJ", "Adjust bad debt", "1", "2011-01-04", "-11062.06", "0"],
    ["5", "POST", "POSTAGE", "1", "2011-01-05", "18.00", "5"],
]


def test_service_lines_stay_out_of_relations_and_are_listed(gw, tmp_path):
    path = write_csv(tmp_path / "service.csv", HEADER, SERVICE)
    report = ingest(gw, path, "orders", tmp_path)
    notes = report.counts.notes
    assert report.counts.rejected == 0
    assert notes["service_lines"] == 6
    assert notes["service POST (code)"] == 2
    assert notes["service X9 (description)"] == 1
    assert notes["service FREE1 (price <= 0)"] == 2
    # one free line is no rule; "carriage" inside a name or one relabelled line is no service word
    assert not any(k.startswith(("service GIFT1", "service CLOCK1")) for k in notes)
    assert notes["service ADJ (description)"] == 1  # "Adjust" (and its price is negative)
    assert notes["orders_only_service_lines"] == 2  # orders 4 and 5
    assert set(products(gw)) == {"A1", "B1", "C1", "GIFT1", "CLOCK1"}
    assert {k: v for k, v in pairs(gw).items() if "GIFT1" not in k and "CLOCK1" not in k} == \
        {("A1", "B1"): 2, ("B1", "C1"): 1}
    assert one(gw, "MATCH (s:Stats) RETURN s.n_orders") == 3


def test_keep_service_lines_keeps_them_but_still_lists_them(gw, tmp_path):
    path = write_csv(tmp_path / "service.csv", HEADER, SERVICE)
    report = ingest(gw, path, "orders", tmp_path, keep_service_lines=True)
    assert report.counts.notes["service_lines_kept"] == 6
    assert set(products(gw)) == {"A1", "B1", "C1", "POST", "X9", "FREE1", "ADJ", "GIFT1", "CLOCK1"}
    assert pairs(gw)[("A1", "POST")] == 1
    assert one(gw, "MATCH (s:Stats) RETURN s.n_orders") == 5


def test_share_rule_needs_no_category(gw, tmp_path):
    body = [[str(i), "A1", "Lamp", "1", "2011-01-01", "1.0", "1"] for i in range(60)]
    body += [[str(i), "FEE", "Platform", "1", "2011-01-01", "0.3", "1"] for i in range(40)]
    body += [[str(i), f"P{i}", "Thing", "1", "2011-01-01", "1.0", "1"] for i in range(60)]
    report = ingest(gw, write_csv(tmp_path / "share.csv", HEADER, body), "orders", tmp_path,
                    service_codes="", service_pattern="")
    notes = report.counts.notes
    assert notes["service A1 (in 100% of orders, no category)"] == 60
    assert notes["service FEE (in 67% of orders, no category)"] == 40
    assert one(gw, "MATCH (p:Product {sku: 'A1'}) RETURN count(p)") == 0


def _order_table(body: list[list[str]]) -> list[list]:
    """The RETURNS fixture typed as a Parquet/Excel export holds it (ints, floats, datetimes)."""
    import datetime as dt

    out = []
    for inv, sku, desc, qty, when, price, cust in body:
        out.append([int(inv) if inv.isdigit() else inv, sku, desc, int(qty), dt.datetime.fromisoformat(when),
                    float(price), int(cust)])
    return out


def test_parquet_gives_the_same_graph_as_csv_with_rejects_and_idempotency(gw, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    ingest(gw, write_csv(tmp_path / "returns.csv", HEADER, RETURNS), "orders", tmp_path)
    want = fingerprint(gw)
    wipe(gw)
    typed = _order_table(RETURNS)
    cols = list(zip(*typed))
    table = pa.table({name: pa.array(list(values), type=pa.string() if name == "InvoiceNo" else None)
                      for name, values in zip(HEADER, [[str(v) for v in cols[0]], *cols[1:]])})
    bad = pa.table({name: pa.array([v], type=table.schema.field(name).type) for name, v in
                    zip(HEADER, ["200", "A1", "Lamp", 1, typed[0][4], float("nan"), 1])})
    path = tmp_path / "returns.parquet"
    pq.write_table(pa.concat_tables([table, bad]), path, row_group_size=4)
    report = ingest(gw, path, "auto", tmp_path)
    assert report.kind == "orders"
    assert (report.counts.read, report.counts.rejected) == (12, 1)
    assert "line,reason,raw" in Path(report.rejects_path).read_text().splitlines()[0]
    assert Path(report.rejects_path).read_text().splitlines()[1].startswith("13,")
    # the one rejected row (price NaN) is order 200's only line: the graph equals the CSV's
    assert fingerprint(gw) == want
    assert ingest(gw, path, "orders", tmp_path).status == "already-ingested"


def _workbook(path: Path, sheets: dict[str, list[list]], header=HEADER) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, body in sheets.items():
        ws = book.create_sheet(name)
        ws.append(header)
        for row in body:
            ws.append(row)
    book.save(path)
    return path


def test_xlsx_all_sheets_or_one_sheet(gw, tmp_path):
    typed = _order_table(RETURNS)
    path = _workbook(tmp_path / "retail.xlsx", {"Year 2010": typed[:5], "Year 2011": typed[5:]})
    ingest(gw, write_csv(tmp_path / "returns.csv", HEADER, RETURNS), "orders", tmp_path)
    want = fingerprint(gw)
    wipe(gw)
    report = ingest(gw, path, "orders", tmp_path)
    assert (report.counts.read, report.counts.rejected) == (11, 0)
    assert fingerprint(gw) == want
    wipe(gw)
    report = ingest(gw, path, "orders", tmp_path, sheet="Year 2010")
    assert report.counts.read == 5
    assert pairs(gw) == {("A1", "B1"): 2, ("A1", "C1"): 1, ("B1", "C1"): 1}
    with pytest.raises(InputError, match="no sheet 'Nope'"):
        ingest(gw, path, "orders", tmp_path, sheet="Nope")


def test_xlsx_bad_rows_are_rejected_with_their_sheet_and_row(gw, tmp_path):
    typed = _order_table(RETURNS[:5])
    bad = [[103, "A1", "Lamp", "many", typed[0][4], 2.5, 7]]
    path = _workbook(tmp_path / "bad.xlsx", {"S1": typed, "S2": bad})
    report = ingest(gw, path, "orders", tmp_path)
    assert (report.counts.read, report.counts.accepted, report.counts.rejected) == (6, 5, 1)
    line = Path(report.rejects_path).read_text().splitlines()[1]
    assert line.startswith("S2!2,") and "many" in line
    mixed = _workbook(tmp_path / "mixed.xlsx", {"S1": typed})
    import openpyxl

    book = openpyxl.load_workbook(mixed)
    book.create_sheet("S2").append(["order", "item"])
    book.save(mixed)
    with pytest.raises(InputError, match=r"sheet 'S2' has another header than sheet 'S1' "
                                         r"\(column 1 is 'order', not 'InvoiceNo'\)"):
        ingest(gw, mixed, "orders", tmp_path)
