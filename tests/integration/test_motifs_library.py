"""The motif library, its write-back, triangle engines, WL hashes and the commands, on real Neo4j."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from click.testing import CliRunner

from relmine.errors import InputError, QueryError
from relmine.gateway import Statement
from relmine.motifs import count_matches, find_matches, parse_pattern
from relmine.motifs.edgelist import edge_list_from_arrays, load_adjacency, load_edge_list
from relmine.motifs.library import library, run_library
from relmine.motifs.triangles import count_triangles
from relmine.motifs.wl import compute_and_write, ego_hashes, similar_structure, tree_hashes

pytestmark = pytest.mark.integration

PRODUCTS = {
    # a co-purchase triangle of cameras/lenses (t1-t2 also reciprocal: still one triangle)
    "t1": "Camera", "t2": "Lens", "t3": "Lens",
    # a complement chain
    "c1": "Camera", "c2": "Battery", "c3": "Charger",
    # co-viewed pairs: s1-s2 substitutes; s3-s4 also co-purchased (not substitutes); s1-s5 other category
    "s1": "Tripod", "s2": "Tripod", "s3": "Bag", "s4": "Bag", "s5": "Lens",
    # a bundle: hub h with three leaves of other categories and one of its own
    "h": "Camera", "l1": "Lens", "l2": "Tripod", "l3": "Bag", "l4": "Camera", "l5": "Lens",
}
RELS = [
    ("t1", "t2", "CO_PURCHASED", 3), ("t2", "t1", "CO_PURCHASED", 1), ("t2", "t3", "CO_PURCHASED", 2),
    ("t3", "t1", "CO_PURCHASED", 2),
    ("c1", "c2", "COMPLEMENT", 1), ("c2", "c3", "COMPLEMENT", 1),
    ("s1", "s2", "CO_VIEWED", 1), ("s3", "s4", "CO_VIEWED", 1), ("s4", "s3", "CO_PURCHASED", 1),
    ("s1", "s5", "CO_VIEWED", 1),
    ("h", "l1", "CO_PURCHASED", 5), ("l2", "h", "CO_PURCHASED", 4), ("h", "l3", "CO_PURCHASED", 1),
    ("h", "l4", "CO_PURCHASED", 9), ("h", "l5", "CO_PURCHASED", 1),
]


def load(gw, products=PRODUCTS, rels=RELS):
    def work(tx):
        tx.run("MATCH (n) DETACH DELETE n").consume()
        tx.run("UNWIND $rows AS r CREATE (:Product {sku: r.sku, category: r.category, title: 'Product ' + r.sku})",
               rows=[{"sku": s, "category": c} for s, c in products.items()]).consume()
        tx.run("UNWIND $rows AS r MATCH (a:Product {sku: r.a}) MATCH (b:Product {sku: r.b}) "
               "CREATE (a)-[x:$(r.t)]->(b) SET x.weight = r.w, x.count = r.w",
               rows=[{"a": a, "b": b, "t": t, "w": w} for a, b, t, w in rels]).consume()

    gw.run_in_transaction(work, name="test_motifs_load")


@pytest.fixture
def graph(clean_graph):
    load(clean_graph)
    return clean_graph


def by_kind(results):
    return {r.kind: r for r in results}


def test_library_finds_each_motif(graph):
    assert {k.name for k in library()} == {"co_purchase_triangle", "complement_chain", "substitute_pair",
                                          "bundle_star", "cross_category_bridge"}
    res = by_kind(run_library(graph, top=20))
    assert res["co_purchase_triangle"].instances == 1
    assert dict(res["co_purchase_triangle"].top) == {"t1": 1, "t2": 1, "t3": 1}
    assert res["complement_chain"].instances == 1
    assert dict(res["substitute_pair"].top) == {"s1": 1, "s2": 1}
    assert dict(res["bundle_star"].top) == {"h": 1, "l1": 1, "l2": 1, "l3": 1, "l5": 1}
    # cross-category co-purchases outside triangles: h-l1, h-l2, h-l3, h-l5 (s3-s4, h-l4: same category;
    # t1-t2, t1-t3: in a triangle)
    assert res["cross_category_bridge"].instances == 4
    # min_weight reaches the kinds that take it
    res2 = by_kind(run_library(graph, ["bundle_star"], overrides={"min_weight": 3}))
    assert res2["bundle_star"].instances == 0  # only l1 (5) and l2 (4) are left as leaves
    res3 = by_kind(run_library(graph, ["bundle_star"], overrides={"min_weight": 3, "min_leaves": 2}))
    assert dict(run_library(graph, ["bundle_star"], overrides={"min_weight": 3, "min_leaves": 2}, top=9)[0].top) == {
        "h": 1, "l1": 1, "l2": 1}
    assert res3["bundle_star"].instances == 1
    with pytest.raises(InputError, match="taken by none"):
        run_library(graph, ["complement_chain"], overrides={"min_weight": 2})


def test_library_agrees_with_compiled_patterns(graph):
    res = by_kind(run_library(graph))
    tri = parse_pattern("(a)-[:CO_PURCHASED]-(b)-[:CO_PURCHASED]-(c)-[:CO_PURCHASED]-(a)")
    assert count_matches(graph, tri).subgraphs == res["co_purchase_triangle"].instances
    chain = parse_pattern("(a)-[:COMPLEMENT]->(b)-[:COMPLEMENT]->(c)")
    assert count_matches(graph, chain).subgraphs == res["complement_chain"].instances
    assert find_matches(graph, chain) == [{"a": "c1", "b": "c2", "c": "c3"}]


def test_write_back_counts_memberships_and_run(graph):
    results = run_library(graph, write=True, run_id="motif-test-1")
    assert all(r.motifs_written == r.instances and not r.truncated for r in results)
    rows = graph.read(Statement("MATCH (p:Product) WHERE p.motif_co_purchase_triangle IS NOT NULL "
                                "RETURN p.sku AS sku, p.motif_co_purchase_triangle AS n, "
                                "p.motif_co_purchase_triangle_run AS run ORDER BY sku"))
    assert rows == [{"sku": s, "n": 1, "run": "motif-test-1"} for s in ("t1", "t2", "t3")]
    motifs = graph.read(Statement("MATCH (m:Motif {run: $run})-[h:HAS_MEMBER]->(p:Product) "
                                  "RETURN m.kind AS kind, h.role AS role, p.sku AS sku ORDER BY kind, sku"),
                        {"run": "motif-test-1"})
    assert {"kind": "complement_chain", "role": "middle", "sku": "c2"} in motifs
    assert {"kind": "bundle_star", "role": "hub", "sku": "h"} in motifs
    assert sum(1 for m in motifs if m["kind"] == "co_purchase_triangle") == 3
    run = graph.read_one("runs/get_run", {"run_id": "motif-test-1"})["run"]
    assert run["kind"] == "motifs" and run["status"] == "done"
    assert json.loads(run["metrics"])["co_purchase_triangle"]["instances"] == 1
    assert run["metric_co_purchase_triangle_instances"] == 1  # the flat encoding every kind of run has
    # BI statement
    top = graph.read("bi/top_products_by_motif", {"kind": "bundle_star", "run_id": "motif-test-1", "limit": 5})
    assert top[0]["sku"] == "h" and top[0]["roles"] == ["hub"]

    # the same run id again rewrites the same things
    size = Statement("MATCH (m:Motif)-[h:HAS_MEMBER]->() RETURN count(DISTINCT m) AS m, count(h) AS h")
    before = graph.read_one(size)
    run_library(graph, write=True, run_id="motif-test-1")
    assert graph.read_one(size) == before
    # the triangle breaks; a new run clears the counts the old run left
    graph.write(Statement("MATCH (:Product {sku: 't2'})-[r:CO_PURCHASED]->(:Product {sku: 't3'}) DELETE r"))
    run_library(graph, ["co_purchase_triangle"], write=True, run_id="motif-test-2")
    left = graph.read(Statement("MATCH (p:Product) WHERE p.motif_co_purchase_triangle IS NOT NULL RETURN p.sku"))
    assert left == []


def _random_graph(gw, seed: int, n: int = 40, m: int = 160):
    import random

    rng = random.Random(seed)
    products = {f"r{i}": rng.choice(["A", "B", "C"]) for i in range(n)}
    rels = []
    for _ in range(m):
        a, b = rng.randrange(n), rng.randrange(n)
        rels.append((f"r{a}", f"r{b}", "CO_PURCHASED", rng.randint(1, 3)))
    load(gw, products, rels)
    return products, rels


@pytest.mark.parametrize("seed", [1, 2])
def test_triangle_engines_agree(clean_graph, seed):
    products, rels = _random_graph(clean_graph, seed)
    g = nx.Graph()
    g.add_edges_from((a, b) for a, b, _, _ in rels if a != b)
    want = sum(nx.triangles(g).values()) // 3
    assert want > 0
    counts = {e: count_triangles(clean_graph, ("CO_PURCHASED",), engine=e).triangles for e in ("cypher", "sparse", "gds")}
    assert counts == {"cypher": want, "sparse": want, "gds": want}
    res = by_kind(run_library(clean_graph, ["co_purchase_triangle"]))
    assert res["co_purchase_triangle"].instances == want
    with pytest.raises(InputError, match="one relationship type"):
        count_triangles(clean_graph, ("CO_PURCHASED", "CO_VIEWED"), engine="gds")
    # the sparse engine's paged read by internal id gives the same structure whatever the page size
    for page in (1, 7, 20_000):
        n, src, dst = load_adjacency(clean_graph, ("CO_PURCHASED",), page=page)
        assert n == len(products) and len(src) == sum(1 for r in rels if r[2] == "CO_PURCHASED")
        h = nx.Graph()
        h.add_edges_from((int(a), int(b)) for a, b in zip(src, dst) if a != b)
        assert sum(nx.triangles(h).values()) // 3 == want
        assert sorted(d for _, d in h.degree()) == sorted(d for _, d in g.degree())


def test_edge_list_and_wl_hashes_round_trip(graph):
    # a product without a sku and its relation to h are left out of the edge list
    graph.write(Statement("MATCH (h:Product {sku: 'h'}) CREATE (h)-[:CO_PURCHASED]->(:Product {category: 'Lens'})",
                          "test/skuless"))
    g = load_edge_list(graph, ("CO_PURCHASED", "CO_VIEWED", "COMPLEMENT"), progress=False, page=5)
    assert sorted(g.skus) == sorted(PRODUCTS)
    assert len(g.src) == len(RELS)
    assert {(g.skus[a], g.skus[b], g.type_names[t]) for a, b, t in zip(g.src, g.dst, g.etype)} == \
        {(a, b, t) for a, b, t, _ in RELS}
    assert [g.categories[g.skus.index(s)] for s in PRODUCTS] == list(PRODUCTS.values())
    # the same graph built by hand hashes the same
    idx = {s: i for i, s in enumerate(PRODUCTS)}
    local = edge_list_from_arrays(list(PRODUCTS), list(PRODUCTS.values()),
                                  [(idx[a], idx[b], t) for a, b, t, _ in RELS], g.type_names)
    types = ("CO_PURCHASED", "CO_VIEWED", "COMPLEMENT")

    def stored():
        return {r["sku"]: r["h"] for r in graph.read(Statement("MATCH (p:Product) WHERE p.sku IS NOT NULL "
                                                               "RETURN p.sku AS sku, p.wl_hash_k2 AS h"))}

    summary = compute_and_write(graph, (1, 2), types=types, progress=False)
    assert (summary.products, summary.written, summary.method) == (len(PRODUCTS), len(PRODUCTS), "tree")
    assert stored() == dict(zip(local.skus, tree_hashes(local, 2)))
    assert summary.distinct["wl_hash_k2"] == len(set(tree_hashes(local, 2)))
    # nothing changed: nothing is written again
    assert compute_and_write(graph, (1, 2), types=types, progress=False, writers=1).written == 0
    # the per-ego hash differs in value everywhere, so every product is written
    summary = compute_and_write(graph, (2,), types=types, ego=True, progress=False)
    assert (summary.written, summary.method) == (len(PRODUCTS), "ego")
    assert stored() == dict(zip(local.skus, ego_hashes(local, 2)))
    with pytest.raises(InputError, match="--ego"):
        compute_and_write(graph, (2,), types=types, iterations=3, progress=False)

    # l1 and l5 are lenses hanging off h the same way (weights do not count), under both hashes
    for ego in (True, False):
        compute_and_write(graph, (1,), types=types, ego=ego, progress=False)
        h, rows = similar_structure(graph, "l1", k=1)
        assert {r["sku"] for r in rows} == {"l5"}
        assert rows[0]["category"] == "Lens" and rows[0]["title"] == "Product l5"
        assert all(r["sku"] != "l1" for r in rows)
    from relmine.errors import NotFound

    with pytest.raises(NotFound):
        similar_structure(graph, "no-such-sku", k=1)
    with pytest.raises(NotFound, match="wl-hash"):
        similar_structure(graph, "l1", k=3)


def test_queries_stop_at_their_time_limit(clean_graph):
    # a 60-clique: a 5-clique pattern has ~5.5M subgraphs, far more than 0.2 s of work
    products = {f"k{i}": "A" for i in range(60)}
    rels = [(f"k{i}", f"k{j}", "CO_PURCHASED", 1) for i in range(60) for j in range(i + 1, 60)]
    load(clean_graph, products, rels)
    names = "abcde"
    k5 = ", ".join(f"({a})-[:CO_PURCHASED]-({b})" for i, a in enumerate(names) for b in names[i + 1:])
    with pytest.raises(QueryError, match="time limit"):
        count_matches(clean_graph, parse_pattern(k5), timeout=0.2)
    # the row limit holds
    assert len(find_matches(clean_graph, parse_pattern(k5), limit=7)) == 7


def test_commands_on_real_graph(graph, neo4j_settings, monkeypatch):
    from relmine.cli.main import cli

    monkeypatch.setenv("NEO4J_URI", neo4j_settings.neo4j_uri)
    if neo4j_settings.neo4j_password_env:
        monkeypatch.setenv("NEO4J_PASSWORD", neo4j_settings.neo4j_password_env)
    runner = CliRunner()
    r = runner.invoke(cli, ["match", "--count", "(a)-[:CO_PURCHASED]-(b)-[:CO_PURCHASED]-(c)-[:CO_PURCHASED]-(a)"])
    assert r.exit_code == 0, r.output
    assert "subgraphs: 1" in r.output and "embeddings: 6" in r.output
    r = runner.invoke(cli, ["match", "--json", "--limit", "5", '(a {category: "Camera"})-[:COMPLEMENT]->(b)'])
    assert r.exit_code == 0, r.output
    assert [json.loads(line) for line in r.output.splitlines()] == [{"a": "c1", "b": "c2"}]
    r = runner.invoke(cli, ["motifs", "--kind", "substitute_pair", "--write", "--run-id", "cli-run"])
    assert r.exit_code == 0, r.output
    assert "substitute_pair" in r.output and "run id: cli-run" in r.output
    r = runner.invoke(cli, ["triangles", "--engine", "sparse"])
    assert r.exit_code == 0 and "triangles: 1 " in r.output, r.output
    r = runner.invoke(cli, ["wl-hash", "--k", "1", "--no-progress"])
    assert r.exit_code == 0 and "hashed 17 products" in r.output and "17 products changed" in r.output, r.output
    r = runner.invoke(cli, ["wl-hash", "--k", "1", "--iterations", "2"])
    assert r.exit_code != 0 and "--ego" in r.output and "Traceback" not in r.output, r.output
    r = runner.invoke(cli, ["similar-structure", "l1", "--k", "1"])
    assert r.exit_code == 0 and "l5" in r.output, r.output
