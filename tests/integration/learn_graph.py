"""A small product graph with planted structure, for the training tests."""

from __future__ import annotations

import random

from relmine.gateway import Gateway, Statement

LOAD = Statement(
    "UNWIND $products AS p MERGE (x:Product {sku: p.sku}) SET x.title = p.title, x.category = p.category, "
    "x.price = p.price", "tests/learn_products")
EDGES = Statement(
    "UNWIND $edges AS e MATCH (a:Product {sku: e.src}), (b:Product {sku: e.dst}) "
    "MERGE (a)-[r:CO_PURCHASED]->(b) SET r.count = e.count, r.weight = e.count", "tests/learn_edges")
VIEWS = Statement(
    "UNWIND $edges AS e MATCH (a:Product {sku: e.src}), (b:Product {sku: e.dst}) "
    "MERGE (a)-[r:CO_VIEWED]->(b) SET r.count = e.count", "tests/learn_views")

CATEGORIES = ["Camera > Lenses", "Camera > Bags", "Kitchen > Knives", "Garden > Tools"]
WORDS = {0: "lens zoom prime", 1: "bag strap case", 2: "knife steel blade", 3: "rake spade hoe"}


def load_small_graph(gw: Gateway, n: int = 160, seed: int = 7) -> dict:
    rng = random.Random(seed)
    products = [{"sku": f"P{i:04d}", "title": f"{WORDS[i % 4].split()[i % 3]} item {i}",
                 "category": CATEGORIES[i % 4], "price": float(5 + i % 50)} for i in range(n)]
    edges, views = set(), set()
    for i in range(n):
        for _ in range(4):
            j = rng.randrange(n)
            same = j % 4 == i % 4
            if j != i and (same or rng.random() < 0.1):
                a, b = sorted((i, j))
                edges.add((a, b))
        j = rng.randrange(n)
        if j != i and j % 4 == i % 4:
            views.add(tuple(sorted((i, j))))
    gw.write(LOAD, {"products": products})
    rows = [{"src": f"P{a:04d}", "dst": f"P{b:04d}", "count": 1 + (a + b) % 3} for a, b in sorted(edges)]
    gw.write(EDGES, {"edges": rows})
    gw.write(VIEWS, {"edges": [{"src": f"P{a:04d}", "dst": f"P{b:04d}", "count": 1} for a, b in sorted(views)]})
    return {"products": n, "co_purchased": len(rows), "co_viewed": len(views),
            "co_purchased_twice": sum(r["count"] >= 2 for r in rows)}
