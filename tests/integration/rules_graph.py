"""Build small orders graphs for the rules/clusters/recommend/BI tests (no dependency on ingest).

Model: (:Order {id})-[:CONTAINS {qty}]->(:Product {sku, title, category, price}),
(:Product)-[:IN_CATEGORY]->(:Category {path}), and (:Product)-[:CO_PURCHASED {count, weight}]->(:Product)
stored once per unordered pair (lower sku -> higher sku), p.order_count.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter

from relmine.gateway import Statement

LOAD_PRODUCTS = Statement("""
UNWIND $rows AS row
MERGE (c:Category {path: row.category})
MERGE (p:Product {sku: row.sku})
SET p.title = row.title, p.category = row.category, p.price = row.price
MERGE (p)-[:IN_CATEGORY]->(c)
""", "test/load_products")

LOAD_ORDERS = Statement("""
UNWIND $rows AS row
CREATE (o:Order {id: row.id})
WITH o, row
UNWIND row.items AS sku
MATCH (p:Product {sku: sku})
CREATE (o)-[:CONTAINS {qty: 1}]->(p)
""", "test/load_orders")

LOAD_PAIRS = Statement("""
UNWIND $rows AS row
MATCH (a:Product {sku: row.a}), (b:Product {sku: row.b})
MERGE (a)-[r:CO_PURCHASED]->(b)
SET r.count = row.count, r.weight = row.weight
""", "test/load_pairs")

SET_ORDER_COUNTS = Statement("""
MATCH (p:Product)
SET p.order_count = COUNT { (p)<-[:CONTAINS]-(:Order) }
""", "test/order_counts")


def load_graph(gw, products: list[dict], baskets: list[list[str]], *, min_pair_count: int = 1,
               pairs: bool = True) -> None:
    """Products (sku, title, category, price), baskets (lists of skus) and their co-purchase pairs."""
    gw.write_batches(LOAD_PRODUCTS, products, batch_size=1000)
    gw.write_batches(LOAD_ORDERS, ({"id": f"o{i}", "items": sorted(set(b))} for i, b in enumerate(baskets)),
                     batch_size=1000)
    gw.write(SET_ORDER_COUNTS)
    if not pairs:
        return
    counts = Counter(s for b in baskets for s in set(b))
    pair_counts = Counter(tuple(sorted(pair)) for b in baskets for pair in itertools.combinations(sorted(set(b)), 2))
    rows = [{"a": a, "b": b, "count": c, "weight": c / math.sqrt(counts[a] * counts[b])}
            for (a, b), c in pair_counts.items() if c >= min_pair_count]
    gw.write_batches(LOAD_PAIRS, rows, batch_size=2000)


GROUPS = {
    "Dairy": ["whole milk", "butter", "yogurt", "cream cheese", "cheddar"],
    "Bakery": ["white bread", "brown bread", "croissant", "bagel", "muffin"],
    "Cameras": ["camera body", "zoom lens", "memory card", "camera bag", "tripod"],
    "Garden": ["garden hose", "rake", "seed packet", "flower pot", "watering can"],
}
TITLES = {
    "whole milk": "Fresh whole milk 1l", "butter": "Salted dairy butter", "yogurt": "Greek yogurt dairy pot",
    "cream cheese": "Soft cream cheese dairy", "cheddar": "Mature cheddar cheese",
    "white bread": "Sliced white bread loaf", "brown bread": "Wholemeal brown bread loaf",
    "croissant": "Butter croissant pastry", "bagel": "Plain bagel bread", "muffin": "Blueberry muffin pastry",
    "camera body": "Mirrorless camera body", "zoom lens": "Camera zoom lens 18-55mm",
    "memory card": "SD memory card for camera", "camera bag": "Padded camera bag", "tripod": "Aluminium camera tripod",
    "garden hose": "Garden hose 20m", "rake": "Garden leaf rake", "seed packet": "Flower seed packet for garden",
    "flower pot": "Terracotta flower pot", "watering can": "Garden watering can 5l",
}


def planted_catalogue(n_orders: int = 400, seed: int = 7) -> tuple[list[dict], list[list[str]]]:
    """Four categories of five products; baskets mostly stay inside one category.

    Planted rule: 'camera body' is almost always bought with 'memory card'.
    """
    rng = random.Random(seed)
    products = [{"sku": sku, "title": TITLES[sku], "category": cat, "price": round(1 + 3 * i + rng.random(), 2)}
                for cat, skus in GROUPS.items() for i, sku in enumerate(skus)]
    cats = list(GROUPS)
    baskets = []
    for _ in range(n_orders):
        cat = rng.choice(cats)
        size = rng.randint(2, 4)
        basket = set(rng.sample(GROUPS[cat], size))
        if "camera body" in basket or (cat == "Cameras" and rng.random() < 0.5):
            basket |= {"camera body", "memory card"}
        if rng.random() < 0.08:  # a little noise across categories
            basket.add(rng.choice(GROUPS[rng.choice(cats)]))
        baskets.append(sorted(basket))
    return products, baskets
