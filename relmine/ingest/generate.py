"""``relmine generate``: a synthetic catalogue and orders with planted substitutes and complements.

Planted, and written to ``ground_truth.csv`` (one row per unordered pair, lower sku first):

* **substitutes** — two products of the same leaf category, often viewed
  together (``co_viewed.csv``, high weights) and almost never bought together
  (a basket holding both keeps only one of them, except for a small leak);
* **complements** — two products of different departments that are bought
  together: whenever one lands in a basket, the other joins it with
  probability ``complement_rate``.

Everything else is background: baskets of popularity-weighted (Zipf-like)
products and same-category co-views of low weight. Output is a deterministic
function of the spec (same seed, same bytes); 100k products and 500k orders
take seconds (numpy throughout).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class GeneratorSpec:
    """Args: products (10k), orders (50k), seed (7), substitute_share / complement_share: share of
    products in a planted pair (0.05 each), mean_basket: mean items per order (3.0), complement_rate:
    chance the partner joins a basket holding its complement (0.6), substitute_leak: chance a basket
    keeps both substitutes (0.05), zipf: popularity exponent (0.8)."""

    products: int = 10_000
    orders: int = 50_000
    seed: int = 7
    substitute_share: float = 0.05
    complement_share: float = 0.05
    mean_basket: float = 3.0
    complement_rate: float = 0.6
    substitute_leak: float = 0.05
    zipf: float = 0.8

    def check(self) -> None:
        if self.products < 10:
            raise InputError("--products must be at least 10")
        if self.orders < 1:
            raise InputError("--orders must be at least 1")
        if not (0 <= self.substitute_share <= 0.5 and 0 <= self.complement_share <= 0.5):
            raise InputError("shares must lie in [0, 0.5]")
        if self.mean_basket < 1:
            raise InputError("mean basket size must be at least 1")


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


def generate(spec: GeneratorSpec, out_dir: Path) -> dict[str, Any]:
    """Write ``catalog.csv``, ``orders.csv``, ``co_viewed.csv``, ``ground_truth.csv`` and
    ``manifest.json`` into ``out_dir``; returns the manifest."""
    spec.check()
    rng = np.random.default_rng(spec.seed)
    n, m = spec.products, spec.orders
    width = max(6, len(str(n)))
    skus = np.array([f"P{i:0{width}d}" for i in range(n)])
    leaf_paths, leaf_dep = _categories(n, rng)
    leaf = rng.integers(len(leaf_paths), size=n)
    dep = leaf_dep[leaf]

    # -- catalogue -------------------------------------------------------------------------------------------
    brands = np.array([f"{a}{b}" for a in ("Acme", "Nord", "Vela", "Orio", "Kato", "Lumo", "Brio", "Zen")
                       for b in ("", " Co", " Labs", " Home", " Pro")])
    brand = brands[rng.integers(len(brands), size=n)]
    price = np.round(np.exp(rng.normal(2.8 + 0.15 * dep, 0.6)), 2)
    adj = np.array(ADJECTIVES)[rng.integers(len(ADJECTIVES), size=n)]
    noun = np.array([p.rsplit(" > ", 1)[1].rsplit(" ", 1)[0].rstrip("s") for p in leaf_paths])[leaf]
    titles = np.char.add(np.char.add(np.char.add(np.char.add(brand, " "), adj), " "), noun)
    catalog = pd.DataFrame({
        "sku": skus, "title": titles, "category": np.array(leaf_paths)[leaf], "brand": brand,
        "price": price, "Color": np.array(COLORS)[rng.integers(len(COLORS), size=n)],
        "Weight (g)": rng.integers(20, 5_000, size=n),
    })

    # -- planted pairs -----------------------------------------------------------------------------------------
    everyone = rng.permutation(n)
    n_sub = int(n * spec.substitute_share / 2)
    subs = _pairs_within(leaf, everyone, n_sub, rng)
    used = np.zeros(n, dtype=bool)
    used[subs.ravel()] = True
    n_comp = int(n * spec.complement_share / 2)
    comps = _pairs_across(dep, everyone[~used[everyone]], n_comp, rng)
    sub_partner = np.full(n, -1)
    sub_partner[subs[:, 0]], sub_partner[subs[:, 1]] = subs[:, 1], subs[:, 0]
    comp_partner = np.full(n, -1)
    comp_partner[comps[:, 0]], comp_partner[comps[:, 1]] = comps[:, 1], comps[:, 0]

    # -- orders ------------------------------------------------------------------------------------------------
    popularity = 1.0 / np.arange(1, n + 1) ** spec.zipf
    popularity = popularity[rng.permutation(n)]
    popularity /= popularity.sum()
    sizes = 1 + rng.poisson(spec.mean_basket - 1, size=m)
    order = np.repeat(np.arange(m), sizes)
    item = rng.choice(n, size=len(order), p=popularity)
    joins = (comp_partner[item] >= 0) & (rng.random(len(item)) < spec.complement_rate)
    order = np.concatenate([order, order[joins]])
    item = np.concatenate([item, comp_partner[item[joins]]])
    code, qty = np.unique(order.astype(np.int64) * n + item, return_counts=True)
    order, item = code // n, code % n
    # substitutes: a basket holding both keeps the lower-numbered one, unless it leaks
    partner = sub_partner[item]
    has_both = (partner >= 0) & np.isin(order * n + np.maximum(partner, 0), code) & (item > partner)
    drop = has_both & (rng.random(len(item)) >= spec.substitute_leak)
    order, item, qty = order[~drop], item[~drop], qty[~drop]
    qty = qty + rng.poisson(0.3, size=len(qty))
    start = np.datetime64("2024-01-01T00:00:00")
    when = start + np.sort(rng.integers(0, 365 * 86_400, size=m)).astype("timedelta64[s]")
    customer = rng.integers(1, max(2, m // 4), size=m)
    owidth = max(7, len(str(m)))
    orders = pd.DataFrame({
        "order_id": np.char.add("O", np.char.zfill(order.astype(str), owidth)),
        "sku": skus[item], "quantity": qty,
        "time": np.datetime_as_string(when[order], unit="s"),
        "customer": np.char.add("C", customer[order].astype(str)),
    })

    # -- co-views: planted substitutes (strong) + same-category background (weak) -----------------------------
    n_noise = n // 2
    a = rng.integers(n, size=n_noise * 3)
    members = np.argsort(leaf, kind="stable")
    starts = np.searchsorted(leaf[members], leaf[a])
    ends = np.searchsorted(leaf[members], leaf[a], side="right")
    b = members[starts + (rng.random(len(a)) * (ends - starts)).astype(np.int64)]
    keep = a != b
    noise = np.stack([np.minimum(a, b)[keep], np.maximum(a, b)[keep]], axis=1)
    planted = np.sort(subs, axis=1)
    planted_codes = planted[:, 0] * n + planted[:, 1]
    noise_codes = np.setdiff1d(np.unique(noise[:, 0] * n + noise[:, 1]), planted_codes)
    noise_codes = noise_codes[np.sort(rng.permutation(len(noise_codes))[:n_noise])]
    view_codes = np.concatenate([planted_codes, noise_codes])
    view_weight = np.concatenate([rng.integers(8, 40, size=len(planted_codes)),
                                  rng.integers(1, 4, size=len(noise_codes))])
    by = np.argsort(view_codes, kind="stable")
    views = pd.DataFrame({"src": skus[view_codes[by] // n], "dst": skus[view_codes[by] % n],
                          "type": "CO_VIEWED", "weight": view_weight[by]})

    truth_rows = [(skus[min(x, y)], skus[max(x, y)], "substitute") for x, y in subs.tolist()]
    truth_rows += [(skus[min(x, y)], skus[max(x, y)], "complement") for x, y in comps.tolist()]
    truth = pd.DataFrame(sorted(truth_rows), columns=["sku_a", "sku_b", "kind"])

    out_dir.mkdir(parents=True, exist_ok=True)
    catalog.to_csv(out_dir / "catalog.csv", index=False)
    orders.to_csv(out_dir / "orders.csv", index=False)
    views.to_csv(out_dir / "co_viewed.csv", index=False)
    truth.to_csv(out_dir / "ground_truth.csv", index=False)
    manifest = {
        "spec": asdict(spec),
        "files": {
            "catalog.csv": {"rows": len(catalog), "what": "products: sku,title,category,brand,price + 2 free columns"},
            "orders.csv": {"rows": len(orders), "what": f"order lines of {m:,} orders"},
            "co_viewed.csv": {"rows": len(views), "what": "CO_VIEWED edges (src,dst,type,weight)"},
            "ground_truth.csv": {"rows": len(truth),
                                 "what": f"{len(subs):,} substitute + {len(comps):,} complement pairs"},
        },
        "substitutes": len(subs), "complements": len(comps), "categories": len(leaf_paths),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
