"""``relmine ingest --bulk`` against relmine's own local Neo4j: the same file through the bulk path
(neo4j-admin database import, the server stopped and started) and through the transactional path gives the
same graph fingerprint (relmine.fingerprint: every node, relationship and property but the run-specific
ones); a plain ingest after the bulk one continues from it (the same file again is a no-op, another file
adds to the counts exactly as after a transactional first load); a database that holds anything is refused.

These tests stop and start the server (about a minute each on a loaded 2-core machine)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from relmine.fingerprint import element_lines, fingerprint
from relmine.gateway import Gateway
from relmine.schema import describe_schema
from tests.conftest import wipe
from tests.integration.bulk_sample import write_orders

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def settings(neo4j_settings, clean_graph):
    if neo4j_settings.neo4j_uri != f"bolt://127.0.0.1:{neo4j_settings.bolt_port}":
        pytest.skip("--bulk imports into relmine's own local server; NEO4J_URI points elsewhere")
    return neo4j_settings


def _run(settings, *args: str):
    return CliRunner().invoke(cli, [*args, "--no-progress"], obj={"settings": settings}, catch_exceptions=False)


def _empty(settings) -> None:
    with Gateway(settings) as gw:
        wipe(gw)


def _state(settings) -> tuple[dict, list[str]]:
    with Gateway(settings) as gw:
        return fingerprint(gw).as_dict(), element_lines(gw)


def _same(a: tuple[dict, list[str]], b: tuple[dict, list[str]]) -> None:
    """Equal fingerprints; on failure, the elements only one graph has."""
    only_a, only_b = sorted(set(a[1]) - set(b[1])), sorted(set(b[1]) - set(a[1]))
    assert a[0] == b[0], f"only in the first: {only_a[:5]}; only in the second: {only_b[:5]}"


def test_bulk_orders_same_graph_as_transactional_and_a_plain_ingest_continues(settings, tmp_path):
    first = write_orders(tmp_path / "raw.csv")
    second = write_orders(tmp_path / "more.csv", n_orders=150, seed=9)  # overlapping order ids: duplicates
    opts = ["--chunk-mb", "0.02", "--rejects"]  # 5 buckets: the chunked path with pairs counted on disk

    _empty(settings)
    result = _run(settings, "ingest", "orders", str(first), "--bulk", *opts, str(tmp_path / "b1.csv"))
    assert result.exit_code == 0, result.output
    assert "return orders" in result.output and "service POST (code)" in result.output
    bulk = _state(settings)
    with Gateway(settings) as gw:
        names = {item.name for item in describe_schema(gw)}
    assert {"product_sku", "order_id", "source_id", "stats_id", "co_purchased_first_seen"} <= names
    again = _run(settings, "ingest", "orders", str(first), *opts, str(tmp_path / "b2.csv"))
    assert "already ingested" in again.output
    assert _state(settings)[0] == bulk[0]
    result = _run(settings, "ingest", "orders", str(second), *opts, str(tmp_path / "b3.csv"))
    assert result.exit_code == 0, result.output
    assert "orders already in graph" in result.output
    bulk_then_plain = _state(settings)

    _empty(settings)
    for path, rejects in ((first, "t1.csv"), (second, "t2.csv")):
        result = _run(settings, "ingest", "orders", str(path), *opts, str(tmp_path / rejects))
        assert result.exit_code == 0, result.output
        if path == first:
            plain = _state(settings)
            _same(bulk, plain)
    _same(bulk_then_plain, _state(settings))
    assert (tmp_path / "b1.csv").read_text() == (tmp_path / "t1.csv").read_text()  # the same rejects file
    assert bulk[0]["labels"]["Order"] > 300 and bulk[0]["types"]["RETURNED_TOGETHER"] > 0


def test_bulk_edges_with_times_same_graph_as_transactional(settings, tmp_path):
    path = tmp_path / "edges.csv"
    lines = ["src,dst,type,weight,date"]
    for i in range(300):
        a, b = f"P{i % 70:02d}", f"P{(i * 7 + 3) % 70:02d}"
        if a != b:
            when = "" if i % 13 == 0 else f"2012-03-{1 + i % 27:02d} 10:{i % 60:02d}"
            lines.append(f"{a},{b},{'CO_VIEWED' if i % 3 else 'SUBSTITUTE'},{(i % 9) / 4 + 0.1},{when}")
    path.write_text("\n".join(lines) + "\n")

    _empty(settings)
    result = _run(settings, "ingest", "edges", str(path), "--bulk")
    assert result.exit_code == 0, result.output
    bulk = _state(settings)
    _empty(settings)
    result = _run(settings, "ingest", "edges", str(path))
    assert result.exit_code == 0, result.output
    _same(bulk, _state(settings))
    assert set(bulk[0]["types"]) == {"CO_VIEWED", "SUBSTITUTE"}


def test_bulk_refuses_a_database_that_is_not_empty(settings, tmp_path):
    _empty(settings)
    first = write_orders(tmp_path / "raw.csv", n_orders=30)
    assert _run(settings, "ingest", "orders", str(first)).exit_code == 0
    before = _state(settings)
    result = CliRunner().invoke(cli, ["ingest", "edges", str(first), "--bulk", "--no-progress"],
                                obj={"settings": settings})
    assert result.exit_code == 1
    assert "empty database only" in result.output and "nodes" in result.output
    assert _state(settings) == before
    result = CliRunner().invoke(cli, ["ingest", "catalog", str(first), "--bulk", "--no-progress"],
                                obj={"settings": settings})
    assert result.exit_code == 1 and "not supported" in result.output


def test_bulk_baskets_same_graph_as_transactional(settings, tmp_path):
    path = tmp_path / "baskets.csv"
    items = ["milk", "bread", "butter", "jam", "eggs", "tea", "rice"]
    path.write_text("\n".join(",".join(items[(i + k * 3) % 7] for k in range(1 + i % 4)) for i in range(120)) + "\n")

    _empty(settings)
    result = _run(settings, "ingest", "baskets", str(path), "--bulk")
    assert result.exit_code == 0, result.output
    bulk = _state(settings)
    _empty(settings)
    assert _run(settings, "ingest", "baskets", str(path)).exit_code == 0
    _same(bulk, _state(settings))
    assert bulk[0]["types"]["CO_PURCHASED"] > 0
