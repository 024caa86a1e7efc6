"""Pure helpers of relmine.rules: cluster labels and scores, run metadata, CLI input checks."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from relmine.errors import InputError
from relmine.clusters import DEFAULT_RESOLUTION, ClusterSpec, build_clusters, category_scores, label_clusters
from relmine.recommend import _kind_of_type
from relmine.runs import _json_safe, check_run_id, flat_metrics, new_run_id


def test_tfidf_labels_name_what_sets_clusters_apart():
    assignment = {"a": 1, "b": 1, "c": 2, "d": 2}
    titles = {"a": "Camera zoom lens", "b": "Camera body mirrorless", "c": "Garden hose 20m", "d": "Garden rake"}
    clusters = build_clusters(assignment, {s: None for s in assignment})
    label_clusters(clusters, titles, terms=3)
    by = {c.community: c for c in clusters}
    assert by[1].terms[0] == "camera" and by[2].terms[0] == "garden"
    assert by[1].label.startswith("camera") and " / " in by[1].label
    assert "20m" not in by[2].terms  # digits are not terms


def test_labels_fall_back_without_titles():
    clusters = build_clusters({"a": 5, "b": 5}, {"a": "Lenses", "b": "Lenses"})
    label_clusters(clusters, {"a": None, "b": ""})
    assert clusters[0].label == "Lenses" and clusters[0].purity == 1.0 and clusters[0].terms == []
    # a category most members do not share is not the cluster's name
    mixed = build_clusters({s: 1 for s in "abcdef"}, {"a": "Bread", "b": "Cheese", "c": "Cheese", "d": "Milk"})
    label_clusters(mixed, {})
    assert mixed[0].label == "mixed, most often Cheese (33%)"


def test_category_scores_perfect_and_partial():
    cats = {"a": "x", "b": "x", "c": "y", "d": "y"}
    perfect = category_scores({"a": 0, "b": 0, "c": 1, "d": 1}, cats)
    assert perfect["nmi"] == pytest.approx(1.0) and perfect["ari"] == pytest.approx(1.0)
    mixed = category_scores({"a": 0, "b": 1, "c": 0, "d": 1}, cats)
    assert mixed["nmi"] == pytest.approx(0.0, abs=1e-12) and mixed["ari"] < 0.01
    assert category_scores({"a": 0}, cats) == {} and category_scores({"a": 0, "b": 1}, {"a": None, "b": None}) == {}


def test_run_ids_and_metrics():
    assert new_run_id("rules").startswith("rules-")
    assert check_run_id("my-run_1.2:x", "rules") == "my-run_1.2:x"
    with pytest.raises(InputError, match="run id"):
        check_run_id("bad run", "rules")
    flat = flat_metrics({"product": {"rules": 3, "max lift": 2.5, "big": math.inf}, "nmi": 0.9, "method": "louvain"})
    assert flat == {"metric_product_rules": 3, "metric_product_max_lift": 2.5, "metric_nmi": 0.9,
                    "metric_method": "louvain"}
    assert json.dumps(_json_safe({"c": math.inf, "l": [math.nan]})) == '{"c": null, "l": [null]}'


def test_predicted_types_map_to_kinds():
    assert _kind_of_type("complement") == "complement" and _kind_of_type("CO_PURCHASED") == "complement"
    assert _kind_of_type("substitute") == "substitute" and _kind_of_type("ALSO_VIEWED") == "substitute"


def test_cluster_spec_defaults_are_valid():
    spec = ClusterSpec().validated()
    assert 1 <= spec.concurrency <= 4
    # chosen by bench/clusters.py (docs/clusters.md): Leiden, NPMI where orders were counted, every pair kept,
    # the resolution left to the weighting (1.5 on NPMI, 1.0 on counts)
    assert (spec.method, spec.weighting, spec.min_count, spec.resolution) == ("leiden", "auto", 1, None)
    assert DEFAULT_RESOLUTION == {"npmi": 1.5}


@pytest.mark.parametrize("spec, message", [
    (ClusterSpec(method="fastrp", attributes=("brand",)), "leiden or louvain only"),
    (ClusterSpec(attributes=("brand", "brand")), "at most 8 distinct attributes"),
    (ClusterSpec(attributes=tuple(f"a{i}" for i in range(9))), "at most 8 distinct attributes"),
    (ClusterSpec(attributes=("Brand",)), "attribute property 'Brand' must match"),
    (ClusterSpec(attributes=("brand",), attribute_weight=2000.0), "attribute_weight must lie"),
])
def test_bad_attribute_specs_are_refused_before_any_query(spec, message):
    with pytest.raises(InputError, match=message):
        spec.validated()
    assert ClusterSpec(attributes=("brand", "manufacturer_id")).validated().attribute_weight == 30.0


@pytest.mark.parametrize("args, message", [
    (["rules", "--min-support", "0"], "must lie in (0, 1]"),
    (["rules", "--min-support", "2"], "must lie in (0, 1]"),
    (["rules", "--min-confidence", "-0.5"], "must lie in [0, 1]"),
    (["rules", "--max-len", "1"], "1 is not in the range x>=2"),
    (["rules", "--level", "brand"], "Invalid value for '--level'"),
    (["clusters", "--method", "spectral"], "Invalid value for '--method'"),
    (["clusters", "--concurrency", "5"], "5 is not in the range 1<=x<=4"),
    (["clusters", "-k", "1"], "1 is not in the range x>=2"),
    (["clusters", "--weighting", "pmi"], "Invalid value for '--weighting'"),
    (["clusters", "--dimension", "4"], "4 is not in the range 8<=x<=1024"),
    (["clusters", "--method", "sgc"], "Invalid value for '--method'"),
    (["clusters", "--resolution", "0"], "0 is not in the range"),
    (["clusters", "--attribute-weight", "0"], "0 is not in the range"),
    (["recommend", "x", "--kind", "cheaper"], "Invalid value for '--kind'"),
    (["recommend", "x", "-k", "0"], "0 is not in the range 1<=x<=1000"),
    (["recommend"], "Missing argument 'SKU'"),
])
def test_cli_refuses_bad_input_before_connecting(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.output


@pytest.mark.parametrize("name", ["rules", "clusters", "recommend", "report"])
def test_commands_are_documented(name):
    command = cli.commands[name]
    assert command.help and len(command.help) > 20
    for param in command.params:
        if param.param_type_name == "option":
            assert param.help, f"{name} {param.opts} has no help"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
