"""Rules read from Neo4j equal mlxtend on the Groceries baskets; missing pieces get clear errors."""

from __future__ import annotations

import pytest

from relmine.errors import InputError
from relmine.gateway import Statement
from relmine.rules.association import RulesSpec, mine_rules, read_baskets
from relmine.clusters import ClusterSpec, cluster_products
from relmine.recommend import recommend
from tests.unit.test_rules_mining import assert_same, mlxtend_reference, read_groceries

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


@pytest.fixture(scope="module")
def groceries(groceries):
    """The shared groceries graph (tests/integration/conftest.py) and its baskets: ``(gateway, baskets)``."""
    return groceries, read_groceries()


def test_baskets_round_trip(groceries):
    gw, baskets = groceries
    enc = read_baskets(gw, "product")
    assert enc.n == len(baskets) == 9835
    assert len(enc.items) == 169 and "cream cheese" in enc.items


def test_rules_from_neo4j_equal_mlxtend_and_are_written(groceries):
    gw, baskets = groceries
    result = mine_rules(gw, RulesSpec(min_support=0.006, min_confidence=0.25, levels=("product",), run_id="groceries-1"))
    rules = result.levels["product"].rules
    mine = ({}, {(frozenset(r.antecedent), frozenset(r.consequent)): {m: getattr(r, m) for m in
             ("antecedent_support", "consequent_support", "support", "confidence", "lift", "leverage", "conviction")}
             for r in rules})
    ref = mlxtend_reference(baskets, 0.006, 0.25)
    assert_same(({}, ref[1]), mine)
    assert result.levels["product"].itemsets == 747 == len(ref[0])
    assert len(rules) == 467 and sum(len(r.consequent) == 1 for r in rules) == 463
    assert result.written == 467

    row = gw.read_one(Statement(
        "MATCH (r:Rule {run: $run}) RETURN count(r) AS rules, "
        "sum(COUNT { (r)-[:IF]->(:Product) }) AS ifs, sum(COUNT { (r)-[:THEN]->(:Product) }) AS thens, "
        "sum(size(r.antecedent)) AS ante, sum(size(r.consequent)) AS cons", "t"), {"run": "groceries-1"})
    assert row["rules"] == 467 and row["ifs"] == row["ante"] and row["thens"] == row["cons"]
    stored = gw.read_one(Statement(
        "MATCH (r:Rule {run: $run})-[:IF]->(a:Product {sku: 'baking powder'}) "
        "MATCH (r)-[:THEN]->(c:Product {sku: 'other vegetables'}) "
        "WHERE size(r.antecedent) = 1 AND size(r.consequent) = 1 RETURN r.lift AS lift, r.confidence AS confidence", "t"),
        {"run": "groceries-1"})
    assert stored["confidence"] == pytest.approx(0.413793103448, abs=1e-9)
    assert stored["lift"] == pytest.approx(2.138547, abs=1e-6)
    run = gw.read_one(Statement("MATCH (r:Run {id: $id}) RETURN r.kind AS kind, r.status AS status, "
                                "r.metric_product_rules AS rules, r.params AS params", "t"), {"id": "groceries-1"})
    assert run["kind"] == "rules" and run["status"] == "done" and run["rules"] == 467
    assert '"min_support": 0.006' in run["params"]


def test_same_run_id_replaces_its_rules(groceries):
    gw, _ = groceries
    mine_rules(gw, RulesSpec(min_support=0.01, min_confidence=0.3, levels=("product",), run_id="groceries-2"))
    first = gw.read_one(Statement("MATCH (r:Rule {run: 'groceries-2'}) RETURN count(r) AS n", "t"))["n"]
    again = mine_rules(gw, RulesSpec(min_support=0.01, min_confidence=0.3, levels=("product",), run_id="groceries-2"))
    row = gw.read_one(Statement("MATCH (r:Rule {run: 'groceries-2'}) "
                                "RETURN count(r) AS n, count { (:Run {id: 'groceries-2'}) } AS runs", "t"))
    assert first == len(again.levels["product"].rules) == row["n"] > 0 and row["runs"] == 1
    # a stricter rerun under the same id leaves no stale rules behind
    strict = mine_rules(gw, RulesSpec(min_support=0.02, min_confidence=0.5, levels=("product",), run_id="groceries-2"))
    n = gw.read_one(Statement("MATCH (r:Rule {run: 'groceries-2'}) RETURN count(r) AS n", "t"))["n"]
    assert n == len(strict.levels["product"].rules) < first


def test_category_level_without_categories_is_empty_not_an_error(groceries):
    gw, _ = groceries
    # every groceries product sits in the one category "groceries": single-item baskets, no rules
    result = mine_rules(gw, RulesSpec(min_support=0.01, levels=("category",), write=False))
    assert result.levels["category"].rules == []


@pytest.mark.parametrize("spec, message", [
    (RulesSpec(min_support=0), "min_support"),
    (RulesSpec(min_support=1.5), "min_support"),
    (RulesSpec(min_confidence=-0.1), "min_confidence"),
    (RulesSpec(max_len=1), "max_len"),
    (RulesSpec(levels=("brand",)), "levels"),
    (RulesSpec(run_id="bad id with spaces"), "run id"),
])
def test_bad_rule_specs(groceries, spec, message):
    with pytest.raises(InputError, match=message):
        mine_rules(groceries[0], spec)


def test_kmeans_without_embeddings_says_so(groceries):
    with pytest.raises(InputError, match="no product has an embedding"):
        cluster_products(groceries[0], ClusterSpec(method="kmeans", write=False))


def test_louvain_without_co_purchases_says_so(groceries):
    with pytest.raises(InputError, match="no :CO_PURCHASED relationships"):
        cluster_products(groceries[0], ClusterSpec(method="louvain", write=False))


def test_recommend_explains_with_rules_and_notes_missing_embeddings(groceries):
    gw, _ = groceries
    result = recommend(gw, "baking powder", k=5, kind="complement", rules_run_id="groceries-1")
    assert result.items and result.items[0].evidence[0].source == "rule"
    assert any("rule baking powder => other vegetables" in r.reason for r in result.items)
    assert any("no embedding" in n for n in result.notes)
    assert any("no predicted relations" in n for n in result.notes)
