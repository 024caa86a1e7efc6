"""``relmine generate``: a synthetic catalogue and orders with planted substitutes and complements.

Baskets come from **shopping missions**, as real ones do: each order picks one leaf category (its
mission, in proportion to the category's popularity), sometimes a second one (``second_category``),
and draws its items from them by popularity (Zipf-like), with a little noise from the whole
catalogue (``mission_noise``). Over all orders every product is still drawn in proportion to its
popularity; what the missions add is that products of one category are bought together, so the
co-purchase graph clusters by category (on the demo's 10 leaf categories ``relmine clusters`` scores
NMI 0.93, against 0.04 for category-blind baskets: docs/generate.md).

Planted, and written to ``ground_truth.csv`` (one row per unordered pair, lower sku first):

* **substitutes** — two products of the same leaf category, often viewed
  together (``co_viewed.csv``, high weights) and almost never bought together
  (a basket holding both keeps only one of them, except for a small leak);
* **complements** — two products of different departments that are bought
  together: whenever one lands in a basket, the other joins it with
  probability ``complement_rate``.

Everything else is background: mission baskets and same-category co-views of low weight. Output is
a deterministic function of the spec (same seed, same bytes). Orders are generated and written
``ORDER_CHUNK`` at a time, so memory grows with the catalogue and the number of orders (a few numbers
each), not with the order lines; 100k products and 500k orders take seconds (numpy throughout).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from relmine.errors import InputError

DEPARTMENTS = ("Kitchen", "Garden", "Electronics", "Toys", "Sports", "Books", "Beauty", "Grocery", "Office",
               "Pets", "Home", "Automotive")
SUBS = ("Basics", "Premium", "Outdoor", "Travel", "Kids", "Pro", "Classic", "Smart", "Eco", "Compact")
NOUNS = ("Pan", "Kettle", "Hose", "Lamp", "Cable", "Charger", "Puzzle", "Ball", "Racket", "Novel", "Atlas",
         "Cream", "Brush", "Coffee", "Tea", "Pen", "Folder", "Leash", "Bowl", "Pillow", "Blanket", "Wiper", "Mat",
         "Bottle", "Bag", "Clock", "Speaker", "Mug", "Knife", "Glove")
ADJECTIVES = ("Red", "Blue", "Large", "Small", "Deluxe", "Light", "Heavy", "Soft", "Quick", "Quiet", "Bright",
              "Organic", "Classic", "Modern", "Mini")
COLORS = ("black", "white", "red", "blue", "green", "grey", "")
BRANDS = tuple(f"{a}{b}" for a in ("Acme", "Nord", "Vela", "Orio", "Kato", "Lumo", "Brio", "Zen")
               for b in ("", " Co", " Labs", " Home", " Pro"))
# A product drawn twice for one basket is drawn again up to this many times (a shopper picks another product of
# the mission): a mission's few popular products would otherwise repeat, and baskets would have fewer lines than
# the category-blind generator's (mean lines per order at 100k products: 3.09 before missions, 2.85 with no redraw,
# 3.02 with 3).
REDRAWS = 3
ORDER_CHUNK = 50_000  # orders generated and written at a time (part of the output's definition: same seed, same bytes)


@dataclass(frozen=True)
class GeneratorSpec:
    """Args: products (10k), orders (50k), seed (7), substitute_share / complement_share: share of
    products in a planted pair (0.05 each), mean_basket: mean items per order (3.0), complement_rate:
    chance the partner joins a basket holding its complement (0.6), substitute_leak: chance a basket
    keeps both substitutes (0.05), zipf: popularity exponent (0.8), second_category: chance a
    mission spans a second leaf category (0.3), mission_noise: chance an item comes from the whole
    catalogue instead of the mission's categories (0.15)."""

    products: int = 10_000
    orders: int = 50_000
    seed: int = 7
    substitute_share: float = 0.05
    complement_share: float = 0.05
    mean_basket: float = 3.0
    complement_rate: float = 0.6
    substitute_leak: float = 0.05
    zipf: float = 0.8
    second_category: float = 0.3
    mission_noise: float = 0.15

    def check(self) -> None:
        if self.products < 10:
            raise InputError("--products must be at least 10")
        if self.orders < 1:
            raise InputError("--orders must be at least 1")
        if not (0 <= self.substitute_share <= 0.5 and 0 <= self.complement_share <= 0.5):
            raise InputError("shares must lie in [0, 0.5]")
        if self.mean_basket < 1:
            raise InputError("mean basket size must be at least 1")
        if not (0 <= self.second_category <= 1 and 0 <= self.mission_noise <= 1):
            raise InputError("second_category and mission_noise are chances: they must lie in [0, 1]")


@dataclass(frozen=True)
class Catalogue:
    """The products: ``skus``, each one's ``leaf`` category and ``dep`` (department) index, the leaf
    ``paths`` and the ``table`` written to ``catalog.csv``."""

    skus: np.ndarray
    leaf: np.ndarray
    dep: np.ndarray
    paths: list[str]
    table: pd.DataFrame


@dataclass(frozen=True)
class Planted:
    """Planted pairs as (n, 2) index arrays, and each product's partner (-1 for none)."""

    subs: np.ndarray
    comps: np.ndarray
    sub_partner: np.ndarray
    comp_partner: np.ndarray


def _categories(n_products: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Leaf category paths (Department > Sub > Leaf) and each leaf's department index."""
    n_leaves = int(np.clip(n_products // 200, 8, 2_000))
    n_dep = min(len(DEPARTMENTS), max(3, n_leaves // 4))
    paths, deps = [], []
    for k in range(n_leaves):
        d = k % n_dep
        sub = SUBS[(k // n_dep) % len(SUBS)]
        leaf = f"{NOUNS[(k * 7 + d) % len(NOUNS)]}s {k // (n_dep * len(SUBS)) + 1}"
        paths.append(f"{DEPARTMENTS[d]} > {DEPARTMENTS[d]} {sub} > {leaf}")
        deps.append(d)
    return paths, np.array(deps)


def _catalogue(n: int, rng: np.random.Generator) -> Catalogue:
    """Skus, categories, and titles of brand + adjective + the leaf's noun, prices by department."""
    width = max(6, len(str(n)))
    skus = np.array([f"P{i:0{width}d}" for i in range(n)])
    paths, leaf_dep = _categories(n, rng)
    leaf = rng.integers(len(paths), size=n)
    dep = leaf_dep[leaf]
    brand = np.array(BRANDS)[rng.integers(len(BRANDS), size=n)]
    price = np.round(np.exp(rng.normal(2.8 + 0.15 * dep, 0.6)), 2)
    adj = np.array(ADJECTIVES)[rng.integers(len(ADJECTIVES), size=n)]
    noun = np.array([p.rsplit(" > ", 1)[1].rsplit(" ", 1)[0].rstrip("s") for p in paths])[leaf]
    titles = np.char.add(np.char.add(np.char.add(np.char.add(brand, " "), adj), " "), noun)
    table = pd.DataFrame({
        "sku": skus, "title": titles, "category": np.array(paths)[leaf], "brand": brand,
        "price": price, "Color": np.array(COLORS)[rng.integers(len(COLORS), size=n)],
        "Weight (g)": rng.integers(20, 5_000, size=n),
    })
    return Catalogue(skus, leaf, dep, paths, table)


def _pairs_within(groups: np.ndarray, candidates: np.ndarray, n_pairs: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Up to ``n_pairs`` disjoint pairs of ``candidates`` sharing a group, as an (n, 2) array."""
    order = candidates[np.lexsort((rng.random(len(candidates)), groups[candidates]))]
    first, second = order[0:-1:2], order[1::2]
    same = groups[first] == groups[second]
    pairs = np.stack([first[same], second[same]], axis=1)
    if len(pairs) > n_pairs:
        pairs = pairs[np.sort(rng.choice(len(pairs), n_pairs, replace=False))]
    return pairs


def _pairs_across(groups: np.ndarray, candidates: np.ndarray, n_pairs: int,
                  rng: np.random.Generator) -> np.ndarray:
    order = rng.permutation(candidates)
    first, second = order[0:-1:2], order[1::2]
    diff = groups[first] != groups[second]
    return np.stack([first[diff], second[diff]], axis=1)[:n_pairs]


def _plant(spec: GeneratorSpec, cat: Catalogue, rng: np.random.Generator) -> Planted:
    """Substitutes within a leaf category, complements across departments, no product in two pairs."""
    n = spec.products
    everyone = rng.permutation(n)
    subs = _pairs_within(cat.leaf, everyone, int(n * spec.substitute_share / 2), rng)
    used = np.zeros(n, dtype=bool)
    used[subs.ravel()] = True
    comps = _pairs_across(cat.dep, everyone[~used[everyone]], int(n * spec.complement_share / 2), rng)
    sub_partner = np.full(n, -1)
    sub_partner[subs[:, 0]], sub_partner[subs[:, 1]] = subs[:, 1], subs[:, 0]
    comp_partner = np.full(n, -1)
    comp_partner[comps[:, 0]], comp_partner[comps[:, 1]] = comps[:, 1], comps[:, 0]
    return Planted(subs, comps, sub_partner, comp_partner)


class Aisles:
    """The products shelved by leaf category, each weighted by its popularity: draws a mission's
    categories (in proportion to their popularity) and products within given categories."""

    def __init__(self, leaf: np.ndarray, n_leaves: int, popularity: np.ndarray):
        self.shelf = np.argsort(leaf, kind="stable")
        self.cum = np.cumsum(popularity[self.shelf])
        bounds = np.searchsorted(leaf[self.shelf], np.arange(n_leaves + 1))
        self.start, self.end = bounds[:-1], bounds[1:]
        below = np.concatenate([[0.0], self.cum])
        self.low, self.mass = below[self.start], below[self.end] - below[self.start]
        self.leaf_cum = np.cumsum(self.mass)

    def categories(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` leaf categories, each in proportion to the popularity of its products."""
        pick = np.searchsorted(self.leaf_cum, rng.random(size) * self.leaf_cum[-1], side="right")
        return np.minimum(pick, len(self.mass) - 1)

    def products(self, leaves: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One product of each given leaf category, in proportion to popularity within it."""
        at = np.searchsorted(self.cum, self.low[leaves] + rng.random(len(leaves)) * self.mass[leaves], side="right")
        return self.shelf[np.clip(at, self.start[leaves], self.end[leaves] - 1)]

    def anywhere(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` products of the whole catalogue, in proportion to popularity."""
        at = np.searchsorted(self.cum, rng.random(size) * self.cum[-1], side="right")
        return self.shelf[np.minimum(at, len(self.shelf) - 1)]


def _shop(aisles: Aisles, mission: np.ndarray, off: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One product per slot: from the slot's mission category, or from anywhere where ``off``."""
    item = aisles.products(mission, rng)
    item[off] = aisles.anywhere(int(off.sum()), rng)
    return item


def _repeats(code: np.ndarray) -> np.ndarray:
    """True where a code repeats one seen earlier in the array."""
    by = np.argsort(code, kind="stable")
    again = np.zeros(len(code), dtype=bool)
    again[by[1:]] = code[by[1:]] == code[by[:-1]]
    return again


def _baskets(spec: GeneratorSpec, aisles: Aisles, planted: Planted, n_orders: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order lines of ``n_orders`` mission baskets: (order index, product index, quantity), sorted."""
    n = spec.products
    sizes = 1 + rng.poisson(spec.mean_basket - 1, size=n_orders)
    order = np.repeat(np.arange(n_orders), sizes)
    first = aisles.categories(n_orders, rng)
    second = np.where(rng.random(n_orders) < spec.second_category, aisles.categories(n_orders, rng), first)
    mission = np.where(rng.random(len(order)) < 0.5, first[order], second[order])
    off = rng.random(len(order)) < spec.mission_noise
    item = _shop(aisles, mission, off, rng)
    for _ in range(REDRAWS):  # a shopper picks another product rather than a second line of the same one
        again = _repeats(order.astype(np.int64) * n + item)
        item[again] = _shop(aisles, mission[again], off[again], rng)
    joins = (planted.comp_partner[item] >= 0) & (rng.random(len(item)) < spec.complement_rate)
    order = np.concatenate([order, order[joins]])
    item = np.concatenate([item, planted.comp_partner[item[joins]]])
    code, qty = np.unique(order.astype(np.int64) * n + item, return_counts=True)
    order, item = code // n, code % n
    # substitutes: a basket holding both keeps the lower-numbered one, unless it leaks
    partner = planted.sub_partner[item]
    has_both = (partner >= 0) & np.isin(order * n + np.maximum(partner, 0), code) & (item > partner)
    drop = has_both & (rng.random(len(item)) >= spec.substitute_leak)
    return order[~drop], item[~drop], qty[~drop] + rng.poisson(0.3, size=int((~drop).sum()))


def _write_orders(spec: GeneratorSpec, cat: Catalogue, planted: Planted, fh: TextIO,
                  rng: np.random.Generator) -> int:
    """Write ``orders.csv`` ``ORDER_CHUNK`` orders at a time; the number of order lines."""
    n, m = spec.products, spec.orders
    popularity = 1.0 / np.arange(1, n + 1) ** spec.zipf
    aisles = Aisles(cat.leaf, len(cat.paths), popularity[rng.permutation(n)])
    start = np.datetime64("2024-01-01T00:00:00")
    when = start + np.sort(rng.integers(0, 365 * 86_400, size=m)).astype("timedelta64[s]")
    customer = rng.integers(1, max(2, m // 4), size=m)
    owidth = max(7, len(str(m)))
    lines = 0
    for first in range(0, m, ORDER_CHUNK):
        local, item, qty = _baskets(spec, aisles, planted, min(ORDER_CHUNK, m - first), rng)
        order = local + first
        pd.DataFrame({
            "order_id": np.char.add("O", np.char.zfill(order.astype(str), owidth)),
            "sku": cat.skus[item], "quantity": qty,
            "time": np.datetime_as_string(when[order], unit="s"),
            "customer": np.char.add("C", customer[order].astype(str)),
        }).to_csv(fh, index=False, header=first == 0)
        lines += len(order)
    return lines


def _co_views(cat: Catalogue, planted: Planted, rng: np.random.Generator) -> pd.DataFrame:
    """Planted substitutes viewed together often (weights 8..39), same-category background rarely (1..3)."""
    leaf, skus = cat.leaf, cat.skus
    n = len(skus)
    n_noise = n // 2
    a = rng.integers(n, size=n_noise * 3)
    members = np.argsort(leaf, kind="stable")
    starts = np.searchsorted(leaf[members], leaf[a])
    ends = np.searchsorted(leaf[members], leaf[a], side="right")
    b = members[starts + (rng.random(len(a)) * (ends - starts)).astype(np.int64)]
    keep = a != b
    noise = np.stack([np.minimum(a, b)[keep], np.maximum(a, b)[keep]], axis=1)
    planted_pairs = np.sort(planted.subs, axis=1)
    planted_codes = planted_pairs[:, 0] * n + planted_pairs[:, 1]
    noise_codes = np.setdiff1d(np.unique(noise[:, 0] * n + noise[:, 1]), planted_codes)
    noise_codes = noise_codes[np.sort(rng.permutation(len(noise_codes))[:n_noise])]
    view_codes = np.concatenate([planted_codes, noise_codes])
    view_weight = np.concatenate([rng.integers(8, 40, size=len(planted_codes)),
                                  rng.integers(1, 4, size=len(noise_codes))])
    by = np.argsort(view_codes, kind="stable")
    return pd.DataFrame({"src": skus[view_codes[by] // n], "dst": skus[view_codes[by] % n],
                         "type": "CO_VIEWED", "weight": view_weight[by]})


def _ground_truth(cat: Catalogue, planted: Planted) -> pd.DataFrame:
    skus = cat.skus
    rows = [(skus[min(x, y)], skus[max(x, y)], "substitute") for x, y in planted.subs.tolist()]
    rows += [(skus[min(x, y)], skus[max(x, y)], "complement") for x, y in planted.comps.tolist()]
    return pd.DataFrame(sorted(rows), columns=["sku_a", "sku_b", "kind"])


def generate(spec: GeneratorSpec, out_dir: Path) -> dict[str, Any]:
    """Write ``catalog.csv``, ``orders.csv``, ``co_viewed.csv``, ``ground_truth.csv`` and
    ``manifest.json`` into ``out_dir``; returns the manifest."""
    spec.check()
    rng = np.random.default_rng(spec.seed)
    cat = _catalogue(spec.products, rng)
    planted = _plant(spec, cat, rng)
    out_dir.mkdir(parents=True, exist_ok=True)
    cat.table.to_csv(out_dir / "catalog.csv", index=False)
    with open(out_dir / "orders.csv", "w", newline="") as fh:
        order_lines = _write_orders(spec, cat, planted, fh, rng)
    views = _co_views(cat, planted, rng)
    views.to_csv(out_dir / "co_viewed.csv", index=False)
    truth = _ground_truth(cat, planted)
    truth.to_csv(out_dir / "ground_truth.csv", index=False)
    manifest = {
        "spec": asdict(spec),
        "files": {
            "catalog.csv": {"rows": len(cat.table),
                            "what": "products: sku,title,category,brand,price + 2 free columns"},
            "orders.csv": {"rows": order_lines, "what": f"order lines of {spec.orders:,} mission baskets"},
            "co_viewed.csv": {"rows": len(views), "what": "CO_VIEWED edges (src,dst,type,weight)"},
            "ground_truth.csv": {"rows": len(truth), "what": f"{len(planted.subs):,} substitute + "
                                                             f"{len(planted.comps):,} complement pairs"},
        },
        "substitutes": len(planted.subs), "complements": len(planted.comps), "categories": len(cat.paths),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
