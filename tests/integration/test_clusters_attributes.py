"""`relmine clusters --attribute` on a real Neo4j: catalogue attributes as virtual nodes beside co-purchases."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from relmine.errors import InputError
from relmine.gateway import Statement
from relmine.clusters import ClusterSpec, cluster_products

pytestmark = pytest.mark.integration

NORTH = [f"N{i}" for i in range(6)]
SOUTH = [f"S{i}" for i in range(6)]


@pytest.fixture(scope="module")
def graph(clean_graph, tmp_path_factory, neo4j_settings):
    """12 products of two suppliers; every basket pairs a north product with a south one, so the
    co-purchases alone join across suppliers, and the supplier alone splits them."""
    tmp = tmp_path_factory.mktemp("attrs")
    lines = ["order,sku,qty"]
    for rep in range(3):
        for i in range(6):
            lines += [f"o{rep}-{i},{NORTH[i]},1", f"o{rep}-{i},{SOUTH[i]},1"]
    # baskets of one product count the products' orders without adding pairs
    lines += [f"single-{s},{s},1" for s in NORTH + SOUTH]
    (tmp / "orders.csv").write_text("\n".join(lines) + "\n")
    rows = ["sku,title,supplier,lot"] + [f"{s},north item {s},north,{s}" for s in NORTH] \
        + [f"{s},south item {s},south,{s}" for s in SOUTH]
    (tmp / "catalog.csv").write_text("\n".join(rows) + "\n")
    settings = neo4j_settings.with_(home=tmp / "home")
    for kind, name in (("orders", "orders.csv"), ("catalog", "catalog.csv")):
        done = CliRunner().invoke(cli, ["ingest", kind, str(tmp / name), "--no-progress"],
                                  obj={"settings": settings}, catch_exceptions=False)
        assert done.exit_code == 0, done.output
    return clean_graph, settings


def _groups(assignment: dict[str, int]) -> set[frozenset[str]]:
    by: dict[int, set[str]] = {}
    for sku, c in assignment.items():
        by.setdefault(c, set()).add(sku)
    return {frozenset(g) for g in by.values()}


def test_co_purchases_alone_join_across_suppliers(graph):
    gw, _ = graph
    result = cluster_products(gw, ClusterSpec(resolution=1.0, write=False))
    assert result.spec.weighting == "npmi"
    groups = _groups(result.assignment)
    assert frozenset({"N0", "S0"}) in groups and frozenset(NORTH) not in groups


def test_attribute_values_join_the_products_that_share_them(graph):
    gw, _ = graph
    result = cluster_products(gw, ClusterSpec(attributes=("supplier",), resolution=1.0, write=False))
    # the virtual attribute nodes are not products: every product once, nothing else
    assert sorted(result.assignment) == sorted(NORTH + SOUTH)
    assert _groups(result.assignment) == {frozenset(NORTH), frozenset(SOUTH)}
    # the same on the stored co-purchase weights
    counted = cluster_products(gw, ClusterSpec(attributes=("supplier",), weighting="count", resolution=1.0,
                                               write=False))
    assert counted.spec.weighting == "count"
    assert _groups(counted.assignment) == {frozenset(NORTH), frozenset(SOUTH)}
    # a value held by one product only (each product's own lot) links nothing: the co-purchases decide
    lots = cluster_products(gw, ClusterSpec(attributes=("lot",), resolution=1.0, write=False))
    assert frozenset({"N0", "S0"}) in _groups(lots.assignment)


def test_attribute_resolution_default_and_run_params(graph):
    gw, settings = graph
    done = CliRunner().invoke(cli, ["clusters", "--attribute", "supplier", "--resolution", "1",
                                    "--run", "clusters-attr"], obj={"settings": settings}, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "attributes supplier" in done.output and "wrote 2 clusters" in done.output
    row = gw.read_one(Statement("MATCH (r:Run {id: 'clusters-attr'}) RETURN r.params AS params", "t/params"))
    params = json.loads(row["params"])
    assert params["attributes"] == ["supplier"] and params["attribute_weight"] == 30.0
    sizes = gw.read(Statement("MATCH (p:Product)-[:IN_CLUSTER]->(c:Cluster {run: 'clusters-attr'}) "
                              "RETURN c.id AS c, count(p) AS n", "t/members"))
    assert sorted(r["n"] for r in sizes) == [6, 6]
    # the default resolution with attributes (10, chosen on 20k products) splits a graph this small
    # into single products: what the docs say to lower it for
    default = cluster_products(gw, ClusterSpec(attributes=("supplier",), write=False))
    assert default.spec.resolution == 10.0
    assert len(set(default.assignment.values())) == 12


def test_attribute_errors(graph):
    gw, _ = graph
    with pytest.raises(InputError, match="no product carries the attribute 'colour'"):
        cluster_products(gw, ClusterSpec(attributes=("supplier", "colour"), write=False))
    with pytest.raises(InputError, match="leiden or louvain only"):
        cluster_products(gw, ClusterSpec(method="kmeans", attributes=("supplier",), write=False))
    with pytest.raises(InputError, match="attribute property"):
        cluster_products(gw, ClusterSpec(attributes=("x]) RETURN 1 //",), write=False))
    with pytest.raises(InputError, match="attribute_weight must lie"):
        cluster_products(gw, ClusterSpec(attributes=("supplier",), attribute_weight=0.0, write=False))
