"""The command line against a real Neo4j: summaries, rejects files, --max-rejects, malformed files, generate, stats."""

from __future__ import annotations

import csv
import gzip
import json

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from tests.conftest import wipe
from tests.integration.ingest_helpers import one

pytestmark = pytest.mark.integration


@pytest.fixture
def gw(clean_graph):
    wipe(clean_graph)
    return clean_graph


@pytest.fixture
def run(neo4j_settings, tmp_path):
    settings = neo4j_settings.with_(home=tmp_path / "home")

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), obj={"settings": settings}, catch_exceptions=False)

    return invoke


def _graph_is_empty(gw) -> bool:
    return one(gw, "MATCH (n) RETURN count(n)") == 0


BAD_CATALOG = ("sku,title,price\n"
               "A1,Pan,1.5\n"
               "A2,Pot,cheap\n"
               ",No sku,2\n"
               "A3,Lid,3\n")


def test_rejected_rows_land_in_a_file_good_rows_in_the_graph(gw, run, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(BAD_CATALOG)
    result = run("ingest", "catalog", str(path), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "rejected rows: " in result.output
    rejects_path = result.output.split("rejected rows: ")[1].strip()
    with open(rejects_path, newline="") as f:
        rejected = list(csv.DictReader(f))
    assert [(r["line"], r["reason"]) for r in rejected] == [("3", "price 'cheap' is not a price"),
                                                           ("4", "sku is empty")]
    assert sorted(one(gw, "MATCH (p:Product) RETURN collect(p.sku)")) == ["A1", "A3"]
    header, values = result.output.splitlines()[0].split(), result.output.splitlines()[2].split()
    assert dict(zip(header[:4], values[:4])) == {"read": "4", "accepted": "2", "rejected": "2", "duplicates": "0"}

    again = run("ingest", "catalog", str(path), "--no-progress", "--json")
    assert again.exit_code == 0 and json.loads(again.output)["status"] == "already-ingested"


def test_too_many_rejects_writes_nothing_and_exits_1(gw, run, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(BAD_CATALOG)
    result = run("ingest", "catalog", str(path), "--max-rejects", "1", "--no-progress",
                 "--rejects", str(tmp_path / "r.csv"))
    assert result.exit_code == 1
    assert ("2 rows rejected, more than --max-rejects 1 and more than --max-reject-rate 0.01 of 4 rows read: "
            "nothing was written") in result.output
    assert (tmp_path / "r.csv").is_file() and _graph_is_empty(gw)


def test_max_reject_rate_lets_a_large_file_with_a_few_bad_rows_load(gw, run, tmp_path):
    path = tmp_path / "big.csv"
    lines = [f"S{i},Item {i},{i % 50 + 1}.5" for i in range(1, 501)]
    lines[10] = "S11,Item 11,cheap"
    lines[20] = ",No sku,2"
    lines[30] = "S31,Item 31,1,2,3"
    path.write_text("sku,title,price\n" + "\n".join(lines) + "\n")
    # 3 rejects > --max-rejects 2, but 3 <= 1% of 500 rows: the file loads
    result = run("ingest", "catalog", str(path), "--max-rejects", "2", "--no-progress", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["status"], report["counts"]["rejected"], report["counts"]["accepted"]) == ("done", 3, 497)
    assert one(gw, "MATCH (p:Product) RETURN count(p)") == 497
    # the same file under a stricter rate stops before writing anything
    wipe(gw)
    strict = run("ingest", "catalog", str(path), "--max-rejects", "2", "--max-reject-rate", "0.005",
                 "--no-progress")
    assert strict.exit_code == 1 and "3 rows rejected" in strict.output and _graph_is_empty(gw)


def test_a_wrong_mapping_stops_everything(gw, run, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order,sku,qty\n" + "".join(f"O{i},S{i % 7},{i}x\n" for i in range(50)))
    result = run("ingest", "orders", str(path), "--no-progress")  # qty is text in every row: all rejected
    assert result.exit_code == 1, result.output
    assert "50 rows rejected, every row was rejected (check the column mapping)" in result.output
    assert _graph_is_empty(gw)


@pytest.mark.parametrize("name, content, message", [
    ("latin1.csv", "sku,title\nA1,ok\nA2,Caf\u00e9\n".encode("latin-1"), "line 3 is not valid utf-8"),
    ("junk.csv.gz", gzip.compress(b"sku,title\nA1,ok\n" + bytes(range(256)) * 4), "line 3 holds NUL bytes"),
    ("cut.csv.gz", gzip.compress(b"sku,title\n" + b"".join(b"A%d,t%d\n" % (i, i * 7919 % 100_003)
                                                          for i in range(50_000)))[:30_000], "broken gzip"),
    ("nocols.csv", b"name,price\nLamp,3\n", "missing column(s) for sku"),
    ("empty.csv", b"", "empty file"),
])
def test_malformed_files_fail_clearly_and_write_nothing(gw, run, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = run("ingest", "catalog", str(path), "--no-progress")
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert _graph_is_empty(gw)


def test_bad_relation_type_option_is_refused(gw, run, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("src,dst\na,b\n")
    result = run("ingest", "edges", str(path), "--type", "X]->() DETACH DELETE n //", "--no-progress")
    assert result.exit_code == 1 and "not a valid name" in result.output and _graph_is_empty(gw)


def test_generate_ingest_and_stats(gw, run, tmp_path):
    out = tmp_path / "demo"
    result = run("generate", "--products", "200", "--orders", "500", "--seed", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "ground_truth.csv" in result.output
    for kind, name in (("catalog", "catalog.csv"), ("orders", "orders.csv"), ("auto", "co_viewed.csv")):
        r = run("ingest", kind, str(out / name), "--no-progress")
        assert r.exit_code == 0, r.output
    stats = run("stats", "--json")
    assert stats.exit_code == 0, stats.output
    found = json.loads(stats.output)
    counts = {(c["kind"], c["name"]): c["count"] for c in found["counts"]}
    manifest = json.loads((out / "manifest.json").read_text())
    assert counts[("node", "Product")] == 200 and counts[("node", "Order")] == 500
    assert counts[("relationship", "CO_VIEWED")] == manifest["files"]["co_viewed.csv"]["rows"]
    assert found["orders"]["n_orders"] == 500
    assert {s["kind"] for s in found["sources"]} == {"catalog", "orders", "edges"}
    text = run("stats")
    assert text.exit_code == 0 and "CO_PURCHASED" in text.output and "orders: 500" in text.output
