"""The report's runs table: the headline figures of every kind of run, from the flat metric values."""

from __future__ import annotations

from relmine.report import _metrics_text


def test_a_training_run_shows_its_test_figures_not_an_empty_test_entry():
    run = {"metric_values": [["model_hits@50", 0.81234], ["ra_hits@50", 0.7], ["model_auc", 0.95], ["cn_mrr", 0.1]],
           "metrics": '{"test": {"model": {"auc": 0.95}}}'}
    assert _metrics_text(run) == "model_auc=0.95; model_hits@50=0.8123; ra_hits@50=0.7"


def test_rules_clusters_and_motif_runs_show_their_counts():
    rules = {"metric_values": [["product_rules", 467], ["product_itemsets", 747], ["product_baskets", 9835],
                               ["product_rules_single_consequent", 463], ["product_seconds", 0.2]]}
    assert _metrics_text(rules) == "product_baskets=9835; product_itemsets=747; product_rules=467"
    clusters = {"metric_values": [["nmi", 0.41], ["ari", 0.2], ["clusters", 12], ["largest_share", 0.3]]}
    assert _metrics_text(clusters) == "ari=0.2; clusters=12; nmi=0.41"
    motifs = {"metric_values": [["co_purchase_triangle_instances", 1], ["co_purchase_triangle_truncated", False]]}
    assert _metrics_text(motifs) == "co_purchase_triangle_instances=1"


def test_a_failed_run_shows_why_and_a_run_without_figures_shows_nothing():
    assert _metrics_text({"error": "InputError: no orders", "metric_values": []}) == "failed: InputError: no orders"
    assert _metrics_text({"metric_values": []}) == ""
    assert _metrics_text({"metric_values": [["a", 1], ["b", 2.5]]}) == "a=1; b=2.5"
