"""An empty graph gets clear messages, not tracebacks."""

from __future__ import annotations

import pytest

from relmine.errors import InputError, NotFound
from relmine.rules.association import RulesSpec, mine_rules
from relmine.rules.clusters import ClusterSpec, cluster_products
from relmine.rules.recommend import recommend
from relmine.rules.report import write_report

pytestmark = pytest.mark.integration


def test_rules_on_empty_graph(clean_graph):
    with pytest.raises(InputError, match="no orders with products"):
        mine_rules(clean_graph, RulesSpec())


def test_clusters_on_empty_graph(clean_graph):
    with pytest.raises(NotFound, match="no products"):
        cluster_products(clean_graph, ClusterSpec())


def test_recommend_on_empty_graph(clean_graph):
    with pytest.raises(NotFound, match="unknown product sku 'nope'"):
        recommend(clean_graph, "nope")


def test_report_on_empty_graph(clean_graph, tmp_path):
    rep = write_report(clean_graph, tmp_path / "r")
    text = rep.path.read_text()
    assert "The graph is empty" in text and "No runs yet" in text
    assert (tmp_path / "r" / "counts.png").stat().st_size > 1000
