"""Rules, clusters, recommendations, BI queries (also through the JavaScript driver) and the report
on a small planted catalogue: four categories whose products are mostly bought together."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from relmine.learn.writeback import ensure_vector_index
from click.testing import CliRunner

from relmine import cypher
from relmine.cli.main import cli
from relmine.errors import InputError, NotFound
from relmine.gateway import Statement
from relmine.rules.association import RulesSpec, mine_rules
from relmine.clusters import ClusterSpec, cluster_products
from relmine.recommend import recommend
from relmine.report import write_report
from tests.integration.rules_graph import GROUPS, load_graph, planted_catalogue

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

ADD_PREDICTED = Statement("""
UNWIND $rows AS row
MATCH (a:Product {sku: row.a}), (b:Product {sku: row.b})
MERGE (a)-[r:PREDICTED {type: row.type, run: 'gnn-test'}]->(b)
SET r.score = row.score, r.kind = row.kind
""", "test/predicted")
# readers follow the current training run, as relmine.learn.pipeline's switch marks it
CURRENT_RUN = Statement("MERGE (r:Run {id: 'gnn-test'}) SET r.kind = 'train', r.status = 'done', r.current = true",
                        "test/current_run")
# readers take the current run's vectors and attention only (relmine.learn.switch): these carry its id
SET_EMBEDDINGS = Statement("UNWIND $rows AS row MATCH (p:Product {sku: row.sku}) "
                           "SET p.embedding = row.v, p.embedding_run = 'gnn-test'", "test/emb")


@pytest.fixture(scope="module")
def graph(clean_graph):
    gw = clean_graph
    products, baskets = planted_catalogue(n_orders=240)
    load_graph(gw, products, baskets)
    mine_rules(gw, RulesSpec(min_support=0.02, min_confidence=0.3, run_id="rules-t1"))
    cluster_products(gw, ClusterSpec(method="louvain", run_id="clusters-t1"))
    gw.write(CURRENT_RUN)
    gw.write_batches(ADD_PREDICTED, [
        # as relmine.learn.writeback writes them: an observed type and what it means
        {"a": "whole milk", "b": "croissant", "type": "CO_PURCHASED", "kind": "complement", "score": 0.9},
        {"a": "whole milk", "b": "cheddar", "type": "CO_VIEWED", "kind": "substitute", "score": 0.7},
        {"a": "tripod", "b": "camera bag", "type": "CO_PURCHASED", "kind": "complement", "score": 0.6},
    ])
    rng = random.Random(3)
    cats = list(GROUPS)
    rows = []
    for p in products:
        v = [0.0] * 8
        v[cats.index(p["category"])] = 1.0
        for i in range(4, 8):
            v[i] = rng.uniform(-0.2, 0.2)
        rows.append({"sku": p["sku"], "v": v})
    gw.write_batches(SET_EMBEDDINGS, rows)
    ensure_vector_index(gw, 8)  # the index training creates, with these embeddings' dimensions
    gw.write(Statement("MATCH (:Product {sku: 'camera body'})-[r:CO_PURCHASED]-(:Product {sku: 'memory card'}) "
                       "SET r.attention = 0.42, r.attention_run = 'gnn-test'", "test/attention"))
    yield gw
    gw.write("learn/drop_embedding_index")


# -- rules -----------------------------------------------------------------------------------------
def test_planted_rule_is_found_and_linked(graph):
    row = graph.read_one(Statement(
        "MATCH (a:Product {sku: 'camera body'})<-[:IF]-(r:Rule {run: 'rules-t1', level: 'product'})"
        "-[:THEN]->(c:Product {sku: 'memory card'}) WHERE size(r.antecedent) = 1 AND size(r.consequent) = 1 "
        "RETURN r.confidence AS confidence, r.lift AS lift, r.conviction AS conviction", "t"))
    assert row["confidence"] == 1.0 and row["lift"] > 2 and row["conviction"] is None  # infinite: no property


def test_category_rules_link_categories(graph):
    result = mine_rules(graph, RulesSpec(min_support=0.005, min_confidence=0.0, levels=("category",), run_id="rules-cat"))
    rules = result.levels["category"].rules
    assert rules and all(set(r.antecedent) | set(r.consequent) <= set(GROUPS) for r in rules)
    n = graph.read_one(Statement("MATCH (r:Rule {run: 'rules-cat', level: 'category'})-[:IF|THEN]->(:Category) "
                                 "RETURN count(*) AS n", "t"))["n"]
    assert n == sum(len(r.antecedent) + len(r.consequent) for r in rules)


# -- clusters --------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["louvain", "leiden", "kmeans", "fastrp"])
def test_clusters_recover_the_categories(graph, method):
    result = cluster_products(graph, ClusterSpec(method=method, k=4, run_id=f"clusters-{method}"))
    m = result.metrics()
    assert m["nmi"] == pytest.approx(1.0) and m["ari"] == pytest.approx(1.0), m
    assert result.written == 4
    rows = graph.read(Statement("MATCH (c:Cluster {run: $run}) RETURN c.label AS label, c.terms AS terms, "
                                "c.size AS size, c.top_category AS cat, c.method AS method, "
                                "COUNT { (:Product)-[:IN_CLUSTER]->(c) } AS members", "t"), {"run": f"clusters-{method}"})
    assert sorted(r["size"] for r in rows) == [5, 5, 5, 5] and all(r["members"] == 5 for r in rows)
    by_cat = {r["cat"]: r for r in rows}
    assert "camera" in by_cat["Cameras"]["terms"] and "garden" in by_cat["Garden"]["terms"]
    assert "dairy" in by_cat["Dairy"]["label"] and all(r["method"] == method for r in rows)


def test_cluster_rerun_is_idempotent(graph):
    cluster_products(graph, ClusterSpec(method="leiden", run_id="clusters-again"))
    cluster_products(graph, ClusterSpec(method="leiden", run_id="clusters-again"))
    row = graph.read_one(Statement("MATCH (c:Cluster {run: 'clusters-again'}) RETURN count(c) AS n, "
                                   "sum(COUNT { (:Product)-[:IN_CLUSTER]->(c) }) AS m", "t"))
    assert row == {"n": 4, "m": 20}


@pytest.mark.parametrize("weighting", ["npmi", "lift"])
def test_significance_weighted_clusters_recover_the_categories(graph, weighting):
    # what ingest keeps: the number of orders (support = count / n_orders)
    graph.write(Statement("MERGE (s:Stats {id: 'global'}) SET s.n_orders = COUNT { (:Order) }", "t"))
    result = cluster_products(graph, ClusterSpec(method="leiden", weighting=weighting, min_count=1, resolution=1.0,
                                                 run_id=f"clusters-{weighting}", write=False))
    m = result.metrics()
    assert m["nmi"] > 0.9 and m["largest_share"] <= 0.3, m
    # a high resolution splits the graph further
    finer = cluster_products(graph, ClusterSpec(method="leiden", weighting=weighting, min_count=1, resolution=5.0,
                                                write=False)).metrics()
    assert finer["communities"] > m["communities"], (finer, m)
    # so high that nothing merges (GDS Leiden then fails inside): every product alone, no error
    alone = cluster_products(graph, ClusterSpec(method="leiden", weighting=weighting, min_count=1, resolution=50.0,
                                                write=False)).metrics()
    assert alone["communities"] == alone["products"] == 20


def test_auto_weighting_is_npmi_with_order_counts_and_count_without(graph):
    graph.write(Statement("MERGE (s:Stats {id: 'global'}) SET s.n_orders = COUNT { (:Order) }", "t"))
    with_orders = cluster_products(graph, ClusterSpec(write=False))
    assert with_orders.spec.weighting == "npmi" and with_orders.metrics()["weighting"] == "npmi"
    assert with_orders.metrics()["nmi"] > 0.9, with_orders.metrics()
    graph.write(Statement("MATCH (s:Stats {id: 'global'}) DETACH DELETE s", "t"))
    without = cluster_products(graph, ClusterSpec(write=False))
    assert without.spec.weighting == "count" and without.metrics()["nmi"] > 0.9, without.metrics()


def test_fastrp_mixes_in_a_feature_property_and_needs_it_everywhere(graph):
    # features that alone separate the four categories: one-hot of the category, on every product
    cats = sorted({r["c"] for r in graph.read(Statement("MATCH (p:Product) RETURN p.category AS c", "t"))})
    graph.write(Statement("MATCH (p:Product) SET p.bench_features = [c IN $cats | CASE WHEN c = p.category "
                          "THEN 1.0 ELSE 0.0 END]", "t"), {"cats": cats})
    result = cluster_products(graph, ClusterSpec(method="fastrp", k=4, features="bench_features", write=False))
    assert result.metrics()["nmi"] == pytest.approx(1.0), result.metrics()
    propagated = cluster_products(graph, ClusterSpec(method="propagate", k=4, features="bench_features", write=False))
    assert propagated.metrics()["nmi"] == pytest.approx(1.0) and propagated.metrics()["communities"] == 4
    graph.write(Statement("MATCH (p:Product) WITH p LIMIT 3 REMOVE p.bench_features", "t"))
    with pytest.raises(InputError, match="3 of 20 products lack the feature property 'bench_features'"):
        cluster_products(graph, ClusterSpec(method="fastrp", k=4, features="bench_features", write=False))
    with pytest.raises(InputError, match="3 of 20 products lack the feature property 'bench_features'"):
        cluster_products(graph, ClusterSpec(method="propagate", k=4, features="bench_features", write=False))
    graph.write(Statement("MATCH (p:Product) REMOVE p.bench_features", "t"))
    with pytest.raises(InputError, match="no product carries the feature property 'bench_features'"):
        cluster_products(graph, ClusterSpec(method="fastrp", k=4, features="bench_features", write=False))


def test_significance_weights_need_order_counts(graph):
    graph.write(Statement("MATCH (s:Stats {id: 'global'}) DETACH DELETE s", "t"))
    with pytest.raises(InputError, match="weighting npmi needs co-purchases counted over orders"):
        cluster_products(graph, ClusterSpec(method="leiden", weighting="npmi", write=False))


@pytest.mark.parametrize("spec, message", [
    (ClusterSpec(weighting="pmi"), "weighting must be one of"),
    (ClusterSpec(weighting="npmi", relationship="CO_VIEWED"), "needs relationship CO_PURCHASED"),
    (ClusterSpec(method="louvain", resolution=2.0), "GDS Louvain has no resolution"),
    (ClusterSpec(method="leiden", resolution=0), "resolution must lie"),
    (ClusterSpec(method="spectral"), "method"),
    (ClusterSpec(relationship="co_purchased; DROP"), "relationship type"),
    (ClusterSpec(concurrency=8), "concurrency"),
    (ClusterSpec(method="kmeans", k=1), "k must be"),
    (ClusterSpec(method="kmeans", k=500), "exceeds"),
    (ClusterSpec(method="fastrp", k=500), "exceeds"),
    (ClusterSpec(method="leiden", features="features"), "FastRP only"),
    (ClusterSpec(method="fastrp", features="x}) RETURN 1 //"), "feature property"),
    (ClusterSpec(method="fastrp", features="features", weighting="npmi"), "stored \\(count\\) weights"),
    (ClusterSpec(method="fastrp", dimension=4), "dimension must lie"),
    (ClusterSpec(method="propagate"), "method propagate averages a feature property"),
])
def test_bad_cluster_specs(graph, spec, message):
    with pytest.raises(InputError, match=message):
        cluster_products(graph, spec)


# -- recommendations -------------------------------------------------------------------------------
def test_complements_come_with_rule_and_observed_reasons(graph):
    result = recommend(graph, "camera body", k=3, kind="complement")
    top = result.items[0]
    assert top.sku == "memory card" and top.kind == "complement"
    assert {e.source for e in top.evidence} >= {"observed", "rule"}
    assert "rule Mirrorless camera body (camera body) => SD memory card for camera (memory card) (lift" in top.reason
    assert "orders" in top.reason
    assert "attention 0.42" in top.reason  # the GNN's attention on the observed relation
    rule = next(e for e in top.evidence if e.source == "rule")
    assert rule.details["run"] == "rules-t1" and rule.details["lift"] > 2
    assert all(r.reason and r.evidence for r in result.items)


def test_predicted_and_embedding_evidence(graph):
    comp = recommend(graph, "whole milk", k=10, kind="complement")
    croissant = next(r for r in comp.items if r.sku == "croissant")
    assert any(e.source == "predicted" and "predicted complement" in e.reason for e in croissant.evidence)
    subs = recommend(graph, "whole milk", k=4, kind="substitute")
    assert subs.items and all(r.kind == "substitute" for r in subs.items)
    dairy = set(GROUPS["Dairy"])
    assert {r.sku for r in subs.items} <= dairy  # embedding neighbours are the other dairy products
    assert any(e.source == "embedding" and "cosine" in e.reason for r in subs.items for e in r.evidence)
    cheddar = next(r for r in subs.items if r.sku == "cheddar")
    assert any(e.source == "predicted" for e in cheddar.evidence)
    assert not any("no embedding" in n or "exact scan" in n for n in subs.notes)  # the vector index was used
    as_json = json.dumps(cheddar.as_dict())
    assert '"source": "embedding"' in as_json


@pytest.mark.parametrize("kwargs, error, message", [
    ({"sku": "camera bod"}, NotFound, "did you mean 'camera body'"),
    ({"sku": "zzz-none"}, NotFound, "unknown product sku 'zzz-none'$"),
    ({"sku": "camera body", "kind": "cheaper"}, InputError, "kind must be one of"),
    ({"sku": "camera body", "k": 0}, InputError, "k must be an integer"),
    ({"sku": "  "}, InputError, "give a product sku"),
])
def test_bad_recommend_input(graph, kwargs, error, message):
    with pytest.raises(error, match=message):
        recommend(graph, **kwargs)


# -- BI queries ------------------------------------------------------------------------------------
BI_COLUMNS = {
    "bi/cluster_summaries": ["run", "method", "cluster", "label", "terms", "size", "top_category", "purity", "sample"],
    "bi/products_most_predicted_complements": ["sku", "title", "predicted", "mean_score", "best"],
    "bi/recommend_for_product": ["sku", "title", "score", "reasons", "evidence"],
    "bi/rules_by_lift": ["run", "level", "antecedent", "consequent", "if_names", "then_names", "support",
                         "confidence", "lift", "leverage", "conviction", "orders"],
    "bi/run_comparison": ["run", "kind", "status", "started_at", "finished_at", "error", "params", "metrics",
                          "metric_values"],
    "bi/top_relations_per_category": ["category", "product", "product_title", "related", "related_title", "orders",
                                      "weight", "scope"],
}


def test_the_rules_bi_queries_exist():
    assert set(BI_COLUMNS) <= set(cypher.names("bi"))


def _bi_results(gw) -> dict[str, list[dict]]:
    return {name: gw.read(name, json.loads(cypher.params_example(name))) for name in cypher.names("bi")}


def test_bi_queries_run_with_their_params_example(graph):
    """Every file of cypher/bi runs with its example; this module's own queries also return rows and columns.

    (Queries of other parts, motifs for example, run here too; their rows need their own runs.)
    """
    results = _bi_results(graph)
    for name in BI_COLUMNS:
        rows = results[name]
        assert rows, f"{name} returned no rows with its :params example"
        assert list(rows[0]) == BI_COLUMNS[name], name
    rules = results["bi/rules_by_lift"]
    assert [r["lift"] for r in rules] == sorted((r["lift"] for r in rules), reverse=True)
    assert rules[0]["run"] == "rules-t1" and rules[0]["if_names"]
    assert {r["category"] for r in results["bi/top_relations_per_category"]} == set(GROUPS)
    assert results["bi/products_most_predicted_complements"][0]["sku"] in {"whole milk", "croissant", "tripod", "camera bag"}
    rec = results["bi/recommend_for_product"]
    assert rec[0]["reasons"] and rec[0]["evidence"] and rec[0]["sku"] in GROUPS["Dairy"]
    assert {e["source"] for r in rec for e in r["evidence"]} >= {"observed", "rule", "embedding"}
    assert results["bi/cluster_summaries"][0]["size"] == 5
    assert {r["kind"] for r in results["bi/run_comparison"]} == {"rules"}


def test_bi_queries_through_the_official_javascript_driver(graph, tmp_path):
    """An external client (neo4j-driver from npm, run by node) runs every saved BI query."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed for the JavaScript-driver test (apt-get install nodejs npm)")
    js = ROOT / "tests" / "js"
    if not (js / "node_modules" / "neo4j-driver").is_dir():
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=js,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"npm could not install neo4j-driver (offline?): {done.stderr.strip()[-300:]}")
    settings = graph.settings
    env = {**os.environ, "NEO4J_URI": settings.neo4j_uri, "NEO4J_USER": settings.neo4j_user,
           "NEO4J_PASSWORD": settings.neo4j_password}
    done = subprocess.run([node, str(js / "run_bi.mjs"), str(ROOT / "cypher" / "bi")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    from_js = json.loads(done.stdout)
    from_python = _bi_results(graph)
    assert set(from_js) == {n.split("/", 1)[1] for n in from_python}
    for name, rows in from_python.items():
        got = from_js[name.split("/", 1)[1]]
        assert got["rows"] == len(rows), name
        if name in BI_COLUMNS:
            assert got["columns"] == BI_COLUMNS[name] and got["rows"] > 0, name
    first = from_js["rules_by_lift"]["first"]
    assert first["lift"] == pytest.approx(from_python["bi/rules_by_lift"][0]["lift"])


# -- report ----------------------------------------------------------------------------------------
def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_report_renders_in_headless_chromium(graph, tmp_path):
    rep = write_report(graph, tmp_path / "report")
    names = sorted(p.name for p in rep.plots)
    assert names == ["clusters.png", "counts.png", "map.png", "neighbourhood.png", "rules.png"]
    # the map has one point per product with an embedding; the neighbourhood is the busiest product's
    assert len(rep.data.embeddings) == 20 and {r["cluster"] for r in rep.data.embeddings} - {None}
    assert rep.data.neighbourhood.items and all(r.kind for r in rep.data.neighbourhood.items)
    html = rep.path.read_text()
    assert re.search(r"<td>[^<]*\(cream cheese\)[^<]* ⇒ [^<]*\([a-z ]+\)</td>", html)  # rules by title (sku)
    assert "Soft cream cheese dairy (cream cheese)" in html
    assert "Fresh whole milk 1l (whole milk)" in html  # cluster samples by name
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium): the HTML was written but not rendered")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
             "--virtual-time-budget=10000"]
    dom = subprocess.run([browser, *flags, "--dump-dom", rep.path.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-1000:]
    check = re.search(r'<p id="render-check"[^>]*data-images="(\d+)" data-broken="(\d+)"[^>]*>([^<]*)<', dom.stdout)
    assert check, dom.stdout[:2000]
    assert check.group(1) == "5" and check.group(2) == "0", check.group(3)
    for test_id in ("graph-summary", "runs", "rules", "clusters", "plot-counts", "plot-rules", "plot-clusters",
                    "plot-map", "plot-neighbourhood"):
        assert f'data-testid="{test_id}"' in dom.stdout, test_id
    shot = tmp_path / "shot.png"
    done = subprocess.run([browser, *flags, "--window-size=1200,1600", f"--screenshot={shot}", rep.path.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and shot.stat().st_size > 10_000


# -- command line ----------------------------------------------------------------------------------
def _invoke(graph, *args):
    return CliRunner().invoke(cli, list(args), obj={"settings": graph.settings}, catch_exceptions=False)


def test_cli_happy_paths(graph, tmp_path):
    res = _invoke(graph, "rules", "--min-support", "0.02", "--min-confidence", "0.3", "--run", "rules-cli", "--top", "3")
    assert res.exit_code == 0, res.output
    assert "product: 240 orders, 20 items" in res.output and "run rules-cli: wrote" in res.output
    # Rules name their items by title with the sku (category rules by path).
    assert re.search(r"\w[^|\n]* \([a-z ]+\) => \w[^|\n]* \([a-z ]+\)", res.output), res.output
    res = _invoke(graph, "clusters", "--method", "leiden", "--run", "clusters-cli")
    assert res.exit_code == 0, res.output
    assert "NMI 1.000, ARI 1.000" in res.output
    assert "Mirrorless camera body (camera body)" in res.output  # cluster examples by name
    res = _invoke(graph, "recommend", "camera body", "-k", "2", "--kind", "complement")
    assert res.exit_code == 0, res.output
    assert "1. SD memory card for camera (memory card)" in res.output and "because: " in res.output
    res = _invoke(graph, "recommend", "camera body", "-k", "2", "--json")
    assert json.loads(res.stdout)["items"][0]["evidence"]
    res = _invoke(graph, "report", "--out", str(tmp_path / "rep"))
    assert res.exit_code == 0 and (tmp_path / "rep" / "index.html").is_file(), res.output


def test_cli_clusters_says_what_auto_weighting_stood_for(graph):
    res = _invoke(graph, "clusters", "--method", "fastrp", "-k", "4", "--no-write")
    assert res.exit_code == 0, res.output
    assert re.search(r"^fastrp \((count|npmi) weights\): 20 products in 4 communities", res.output, re.M), res.output
    assert "NMI 1.000" in res.output and "nothing written" in res.output


@pytest.mark.parametrize("args, message", [
    (["recommend", "no-such-sku"], "unknown product sku 'no-such-sku'"),
    (["recommend", "camera body", "--kind", "cheaper"], "Invalid value for '--kind'"),
    (["rules", "--min-support", "0"], "must lie in (0, 1]"),
    (["rules", "--min-confidence", "1.5"], "must lie in [0, 1]"),
    (["clusters", "--method", "kmeans", "-k", "999", "--no-write"], "exceeds"),
    (["clusters", "--concurrency", "9"], "9 is not in the range 1<=x<=4"),
    (["clusters", "--features", "features", "--no-write"], "features are mixed in by FastRP only (or propagated)"),
    (["clusters", "--method", "fastrp", "--features", "Bad-Name", "--no-write"], "must match"),
    (["clusters", "--method", "louvain", "--resolution", "2", "--no-write"], "GDS Louvain has no resolution"),
])
def test_cli_bad_input(graph, args, message):
    res = _invoke(graph, *args)
    assert res.exit_code != 0
    assert message in res.output
    assert "Traceback" not in res.output
