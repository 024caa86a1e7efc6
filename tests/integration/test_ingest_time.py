"""Time on relations (issue 26 item 1) against a real Neo4j, through the command line: ``first_seen`` /
``last_seen`` of CO_PURCHASED and RETURNED_TOGETHER from order times, kept right by a re-ingest and a later
file, on dated edge files, never invented for baskets; the RANGE index that makes "new since T" one seek;
``relmine migrate`` on a graph whose relations lack them."""

from __future__ import annotations

import csv
from datetime import datetime as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from relmine import cypher
from relmine.cli.main import cli
from tests.conftest import wipe
from tests.integration.ingest_helpers import fingerprint, one, rows

pytestmark = pytest.mark.integration

HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Note"]
PAD = "x" * 200  # a free column: makes the first file span several --chunk-mb 0.001 chunks (spilled pairs)
FIRST = [
    ["100", "A1", "Lamp", "1", "2011-01-05 10:00:00", "2.50", "7", PAD],
    ["100", "B1", "Shade", "1", "2011-01-05 10:00:00", "4.00", "7", PAD],
    ["100", "C1", "Bulb", "1", "2011-01-05 10:00:00", "1.00", "7", PAD],
    ["101", "A1", "Lamp", "1", "2011-01-02 09:00:00", "2.50", "8", PAD],   # earlier, later in the file
    ["101", "B1", "Shade", "1", "2011-01-02 09:00:00", "4.00", "8", PAD],
    ["102", "B1", "Shade", "1", "2011-01-09 12:30:15", "4.00", "9", PAD],
    ["102", "C1", "Bulb", "1", "2011-01-09 12:30:15", "1.00", "9", PAD],
    ["103", "D1", "Plug", "1", "", "0.80", "9", PAD],                       # no time
    ["103", "E1", "Fuse", "1", "", "0.20", "9", PAD],
    ["C104", "A1", "Lamp", "-1", "2011-01-10 11:00:00", "2.50", "7", PAD],  # a cancellation: returned together
    ["C104", "B1", "Shade", "-1", "2011-01-10 11:00:00", "4.00", "7", PAD],
    ["105", "A1", "Lamp", "1", "2011-01-07 08:00:00.250000", "2.50", "6", PAD],  # a fraction of a second
    ["105", "C1", "Bulb", "1", "2011-01-07 08:00:00.250000", "1.00", "6", PAD],
]
LATER = [
    ["200", "A1", "Lamp", "1", "2011-02-01 10:00:00", "2.50", "7", ""],
    ["200", "B1", "Shade", "1", "2011-02-01 10:00:00", "4.00", "7", ""],
    ["101", "A1", "Lamp", "1", "2011-01-02 09:00:00", "2.50", "8", ""],    # already in the graph: counted once
    ["101", "B1", "Shade", "1", "2011-01-02 09:00:00", "4.00", "8", ""],
    ["201", "C1", "Bulb", "1", "2011-02-03 15:00:00", "1.00", "5", ""],
    ["201", "F1", "Cord", "1", "2011-02-03 15:00:00", "3.00", "5", ""],
    ["202", "A1", "Lamp", "1", "2010-12-20 16:45:00", "2.50", "4", ""],    # an older order in a later file
    ["202", "C1", "Bulb", "1", "2010-12-20 16:45:00", "1.00", "4", ""],
    ["203", "D1", "Plug", "1", "2011-02-05 09:00:00", "0.80", "3", ""],
    ["203", "E1", "Fuse", "1", "2011-02-05 09:00:00", "0.20", "3", ""],
    ["C204", "A1", "Lamp", "-1", "2011-02-10 12:00:00", "2.50", "7", ""],
    ["C204", "B1", "Shade", "-1", "2011-02-10 12:00:00", "4.00", "7", ""],
]
# by hand: (count, first seen, last seen) of each pair
AFTER_FIRST = {
    ("CO_PURCHASED", "A1", "B1"): (2, D(2011, 1, 2, 9), D(2011, 1, 5, 10)),
    ("CO_PURCHASED", "A1", "C1"): (2, D(2011, 1, 5, 10), D(2011, 1, 7, 8, 0, 0, 250000)),
    ("CO_PURCHASED", "B1", "C1"): (2, D(2011, 1, 5, 10), D(2011, 1, 9, 12, 30, 15)),
    ("CO_PURCHASED", "D1", "E1"): (1, None, None),
    ("RETURNED_TOGETHER", "A1", "B1"): (1, D(2011, 1, 10, 11), D(2011, 1, 10, 11)),
}
AFTER_LATER = {
    ("CO_PURCHASED", "A1", "B1"): (3, D(2011, 1, 2, 9), D(2011, 2, 1, 10)),
    ("CO_PURCHASED", "A1", "C1"): (3, D(2010, 12, 20, 16, 45), D(2011, 1, 7, 8, 0, 0, 250000)),
    ("CO_PURCHASED", "B1", "C1"): (2, D(2011, 1, 5, 10), D(2011, 1, 9, 12, 30, 15)),
    ("CO_PURCHASED", "C1", "F1"): (1, D(2011, 2, 3, 15), D(2011, 2, 3, 15)),
    ("CO_PURCHASED", "D1", "E1"): (2, D(2011, 2, 5, 9), D(2011, 2, 5, 9)),
    ("RETURNED_TOGETHER", "A1", "B1"): (2, D(2011, 1, 10, 11), D(2011, 2, 10, 12)),
}


@pytest.fixture
def gw(clean_graph):
    wipe(clean_graph)
    return clean_graph


@pytest.fixture
def run(neo4j_settings, tmp_path):
    settings = neo4j_settings.with_(home=tmp_path / "home")

    def invoke(*args: str):
        result = CliRunner().invoke(cli, list(args), obj={"settings": settings}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    return invoke


def write_csv(path: Path, header: list[str], body: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(body)
    return path


def _native(value):
    return value.to_native() if value is not None else None


def seen(gw, types: str = "CO_PURCHASED|RETURNED_TOGETHER") -> dict:
    """(type, a, b) -> (count, first_seen, last_seen) as Python datetimes; every time a LOCAL DATETIME."""
    found = rows(gw, f"MATCH (a:Product)-[r:{types}]->(b:Product) "
                     "RETURN type(r) AS t, a.sku AS a, b.sku AS b, r.count AS n, r.first_seen AS f, r.last_seen AS l, "
                     "[v IN [r.first_seen, r.last_seen] WHERE v IS NOT NULL | valueType(v)] AS kinds")
    for r in found:
        assert set(r["kinds"]) <= {"LOCAL DATETIME NOT NULL"}, r
    return {(r["t"], r["a"], r["b"]): (r["n"], _native(r["f"]), _native(r["l"])) for r in found}


def timed_fingerprint(gw) -> dict:
    return {**fingerprint(gw), "seen": seen(gw)}


def ingest_both(run, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "orders_jan.csv", HEADER, FIRST)
    run("ingest", "orders", str(first), "--no-progress", "--chunk-mb", "0.001", "--batch-size", "2")
    run("ingest", "orders", str(write_csv(tmp_path / "orders_feb.csv", HEADER, LATER)), "--no-progress")


def test_first_and_last_seen_from_orders_kept_right_by_a_reingest_and_a_later_file(gw, run, tmp_path):
    first = write_csv(tmp_path / "orders_jan.csv", HEADER, FIRST)
    result = run("ingest", "orders", str(first), "--no-progress", "--chunk-mb", "0.001", "--batch-size", "2")
    assert "order chunks: " in result.output  # several chunks: pairs reduced per range on disk
    assert seen(gw) == AFTER_FIRST
    before = timed_fingerprint(gw)

    again = run("ingest", "orders", str(first), "--no-progress")
    assert "already" in again.output
    assert timed_fingerprint(gw) == before

    result = run("ingest", "orders", str(write_csv(tmp_path / "orders_feb.csv", HEADER, LATER)), "--no-progress")
    assert "orders already in graph: 1" in result.output
    assert seen(gw) == AFTER_LATER
    # untouched by the later file: the order of a pair only moves its times outward
    assert seen(gw)[("CO_PURCHASED", "B1", "C1")] == AFTER_FIRST[("CO_PURCHASED", "B1", "C1")]


def test_new_since_t_is_one_index_seek(gw, run, tmp_path):
    ingest_both(run, tmp_path)
    names = {r["name"] for r in rows(gw, "SHOW RANGE INDEXES YIELD name, entityType, labelsOrTypes, properties "
                                         "WHERE entityType = 'RELATIONSHIP' AND properties = ['first_seen'] "
                                         "RETURN name")}
    assert {"co_purchased_first_seen", "returned_together_first_seen"} <= names
    with gw._driver.session(database=gw.database) as session:  # noqa: SLF001 (the profile of the plan)
        result = session.run("PROFILE " + cypher.load("ingest/co_purchased_since"),
                             since="2011-02-01T00:00:00", limit=100)
        got = [(r["a"], r["b"], r["first_seen"].to_native()) for r in result]
        profile = result.consume().profile

    def operators(op):
        yield op
        for child in op.get("children", []):
            yield from operators(child)

    ops = list(operators(profile))
    seeks = [op for op in ops if "RelationshipIndexSeekByRange" in op["operatorType"]]
    assert len(seeks) == 1 and "CO_PURCHASED(first_seen)" in seeks[0]["args"]["Details"], \
        [o["operatorType"] for o in ops]
    assert not any("Scan" in op["operatorType"] or op["operatorType"].startswith("Sort") for op in ops), \
        [o["operatorType"] for o in ops]
    assert got == [("C1", "F1", D(2011, 2, 3, 15)), ("D1", "E1", D(2011, 2, 5, 9))]  # ordered by first seen


def test_migrate_fills_in_the_same_times_as_ingest(gw, run, tmp_path):
    ingest_both(run, tmp_path)
    assert seen(gw) == AFTER_LATER
    # a graph ingested before relation times: no first_seen / last_seen, sources not marked
    _remove_times(gw)
    assert {k: v[1:] for k, v in seen(gw).items()} == {k: (None, None) for k in AFTER_LATER}
    assert "relmine migrate" in run("init").output

    result = run("migrate", "--no-progress")
    assert seen(gw) == AFTER_LATER
    lines = {line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.strip()}
    assert lines["CO_PURCHASED"] == ["5", "5"]  # the five pairs of orders with a time, each given its times
    assert lines["RETURNED_TOGETHER"] == ["1", "1"]
    assert "relmine migrate" not in run("init").output

    before = timed_fingerprint(gw)
    result = run("migrate", "--no-progress")  # again: nothing to change
    lines = {line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.strip()}
    assert lines["CO_PURCHASED"] == ["5", "0"] and lines["RETURNED_TOGETHER"] == ["1", "0"]
    assert timed_fingerprint(gw) == before


def _remove_times(gw) -> None:
    from relmine.gateway import Statement

    gw.write(Statement("MATCH ()-[r:CO_PURCHASED|RETURNED_TOGETHER]->() REMOVE r.first_seen, r.last_seen", "test"))
    gw.write(Statement("MATCH (s:Source) REMOVE s.relation_times", "test"))


def test_dated_edges_get_first_and_last_seen_and_baskets_get_none(gw, run, tmp_path):
    edges = tmp_path / "edges_jan.csv"
    edges.write_text("src,dst,type,date\n"
                     "A1,B1,ALSO_BOUGHT,2011-01-05\n"
                     "A1,B1,ALSO_BOUGHT,2011-01-03\n"
                     "A1,C1,ALSO_BOUGHT,\n"
                     "B1,C1,ALSO_VIEWED,2011-01-04T12:00:00+01:00\n")  # an offset: stored as UTC, like order times
    run("ingest", "edges", str(edges), "--no-progress")
    assert seen(gw, "ALSO_BOUGHT|ALSO_VIEWED") == {
        ("ALSO_BOUGHT", "A1", "B1"): (None, D(2011, 1, 3), D(2011, 1, 5)),
        ("ALSO_BOUGHT", "A1", "C1"): (None, None, None),
        ("ALSO_VIEWED", "B1", "C1"): (None, D(2011, 1, 4, 11), D(2011, 1, 4, 11))}
    later = tmp_path / "edges_feb.csv"
    later.write_text("src,dst,type,date\nA1,B1,ALSO_BOUGHT,2011-02-01\nA1,C1,ALSO_BOUGHT,2011-02-02\n")
    run("ingest", "edges", str(later), "--no-progress")
    got = seen(gw, "ALSO_BOUGHT")
    assert got[("ALSO_BOUGHT", "A1", "B1")][1:] == (D(2011, 1, 3), D(2011, 2, 1))
    assert got[("ALSO_BOUGHT", "A1", "C1")][1:] == (D(2011, 2, 2), D(2011, 2, 2))

    wipe(gw)
    baskets = tmp_path / "baskets.csv"
    baskets.write_text("milk,bread\nmilk,bread,butter\n")
    run("ingest", "baskets", str(baskets), "--no-progress")
    assert one(gw, "MATCH ()-[r:CO_PURCHASED]->() RETURN count(r)") == 3
    assert one(gw, "MATCH ()-[r:CO_PURCHASED]->() WHERE r.first_seen IS NOT NULL OR r.last_seen IS NOT NULL "
                   "RETURN count(r)") == 0  # no time: none, not 'now'
