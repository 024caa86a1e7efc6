"""The relation filter on a real Neo4j: a type that mixes counted and count-less relations."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from relmine.gateway import Statement
from relmine.learn.pull import RelationFilter, pull_learning_graph
from tests.integration.learn_graph import EDGES, LOAD

pytestmark = pytest.mark.integration


def test_min_count_keeps_co_purchases_that_have_no_count(clean_graph, tmp_path, neo4j_settings):
    gw = clean_graph
    gw.write(LOAD, {"products": [{"sku": f"P{i}", "title": f"item {i}", "category": "C", "price": 1.0}
                                 for i in range(8)]})
    # from orders: counted co-purchases, one of them seen once
    gw.write(EDGES, {"edges": [{"src": "P0", "dst": "P1", "count": 3}, {"src": "P1", "dst": "P2", "count": 2},
                               {"src": "P2", "dst": "P3", "count": 1}]})
    # from an edge list of the same type without counts, as `relmine ingest edges` writes it
    edges = tmp_path / "edges.csv"
    edges.write_text("src,dst\nP4,P5\nP5,P6\nP6,P7\n")
    settings = neo4j_settings.with_(home=tmp_path / "home")
    done = CliRunner().invoke(cli, ["ingest", "edges", str(edges), "--type", "CO_PURCHASED", "--no-progress"],
                              obj={"settings": settings}, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    no_count = gw.read_one(Statement("MATCH (:Product)-[r:CO_PURCHASED]->(:Product) WHERE r.count IS NULL "
                                     "RETURN count(r) AS n", "t/no_count"))["n"]
    assert no_count == 3
    lg = pull_learning_graph(gw, ["CO_PURCHASED"], RelationFilter(min_count=2, top_k=0))
    kept = {tuple(sorted((lg.skus[a], lg.skus[b]))) for a, b in lg.pairs.T.tolist()}
    assert kept == {("P0", "P1"), ("P1", "P2"), ("P4", "P5"), ("P5", "P6"), ("P6", "P7")}
    assert lg.stats["relations_undirected"] == 6 and lg.dropped.shape[1] == 1
