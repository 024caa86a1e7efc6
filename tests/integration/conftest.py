"""Graphs that several integration modules load, each once per module into an emptied database
(the fixtures of tests/conftest.py give the server, the gateway and ``clean_graph``)."""

from __future__ import annotations

import pytest

from tests.conftest import wipe


@pytest.fixture(scope="module")
def small_learn_graph(clean_graph):
    """The small product graph a training run learns from (:func:`tests.integration.learn_graph.load_small_graph`:
    160 products, 4 planted categories); what it returns (counts of products and relations)."""
    from tests.integration.learn_graph import load_small_graph

    wipe(clean_graph)
    return load_small_graph(clean_graph)


@pytest.fixture(scope="module")
def groceries(clean_graph):
    """Groceries' 9,835 baskets as orders of one-category products (no pair relations): the gateway."""
    from tests.integration.rules_graph import load_graph
    from tests.unit.test_rules_mining import read_groceries

    wipe(clean_graph)
    baskets = read_groceries()
    items = sorted({i for b in baskets for i in b})
    load_graph(clean_graph, [{"sku": i, "title": i, "category": "groceries", "price": 1.0} for i in items],
               baskets, pairs=False)
    return clean_graph
