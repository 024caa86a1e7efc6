"""An empty graph gets clear messages, not tracebacks."""

from __future__ import annotations

import pytest

from relmine.errors import InputError, NotFound
from relmine.gateway import Statement
from relmine.rules.association import RulesSpec, mine_rules
from relmine.clusters import ClusterSpec, cluster_products
from relmine.recommend import recommend
from relmine.report import write_report

pytestmark = pytest.mark.integration

RUNS = Statement("MATCH (r:Run) RETURN r.kind AS kind, r.status AS status, r.error AS error ORDER BY kind", "t/runs")


def test_rules_on_empty_graph(clean_graph):
    with pytest.raises(InputError, match="no orders with products"):
        mine_rules(clean_graph, RulesSpec())


def test_clusters_on_empty_graph(clean_graph):
    with pytest.raises(NotFound, match="no products"):
        cluster_products(clean_graph, ClusterSpec())
    # each failed job left its run, with the reason
    runs = clean_graph.read(RUNS)
    assert [(r["kind"], r["status"]) for r in runs] == [("clusters", "failed"), ("rules", "failed")]
    assert "no products" in runs[0]["error"] and "no orders with products" in runs[1]["error"]


def test_recommend_on_empty_graph(clean_graph):
    with pytest.raises(NotFound, match="unknown product sku 'nope'"):
        recommend(clean_graph, "nope")


def test_report_on_empty_graph(clean_graph, tmp_path):
    with pytest.raises(InputError):  # a failed job: its run is recorded, and it is no data
        mine_rules(clean_graph, RulesSpec(run_id="rules-empty"))
    rep = write_report(clean_graph, tmp_path / "r")
    text = rep.path.read_text()
    assert "The graph is empty" in text
    assert "No runs yet" not in text and "failed" in text
    assert (tmp_path / "r" / "counts.png").stat().st_size > 1000
