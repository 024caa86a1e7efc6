"""``relmine generate``: deterministic files whose planted relations hold."""

import hashlib
import itertools
from collections import Counter

import pandas as pd
import pytest

from relmine.errors import InputError
from relmine.ingest import generate as generate_module
from relmine.ingest.generate import GeneratorSpec, generate

SPEC = GeneratorSpec(products=2_000, orders=8_000, seed=3, substitute_share=0.1, complement_share=0.1)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen")
    generate(SPEC, path)
    return path


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes_other_seed_other_data(out, tmp_path):
    generate(SPEC, tmp_path / "again")
    assert _digest(tmp_path / "again") == _digest(out)
    generate(GeneratorSpec(**{**SPEC.__dict__, "seed": 4}), tmp_path / "other")
    assert _digest(tmp_path / "other")["orders.csv"] != _digest(out)["orders.csv"]


def test_files_and_columns(out):
    assert {p.name for p in out.iterdir()} == {"catalog.csv", "orders.csv", "co_viewed.csv", "ground_truth.csv",
                                               "manifest.json"}
    cat = pd.read_csv(out / "catalog.csv")
    assert list(cat.columns) == ["sku", "title", "category", "brand", "price", "Color", "Weight (g)"]
    assert len(cat) == 2_000 and cat.sku.is_unique and (cat.price > 0).all()
    orders = pd.read_csv(out / "orders.csv")
    assert orders.order_id.nunique() == 8_000 and (orders.quantity >= 1).all()
    assert not orders.duplicated(["order_id", "sku"]).any()
    views = pd.read_csv(out / "co_viewed.csv")
    assert (views.type == "CO_VIEWED").all() and (views.src < views.dst).all()


def test_planted_relations_hold(out):
    cat = pd.read_csv(out / "catalog.csv").set_index("sku")
    truth = pd.read_csv(out / "ground_truth.csv")
    assert (truth.sku_a < truth.sku_b).all()
    subs = truth[truth.kind == "substitute"]
    comps = truth[truth.kind == "complement"]
    assert len(subs) == 100 and len(comps) == 100
    dep = cat.category.str.split(" > ").str[0]
    assert (cat.category[subs.sku_a].values == cat.category[subs.sku_b].values).all()
    assert (dep[comps.sku_a].values != dep[comps.sku_b].values).all()

    orders = pd.read_csv(out / "orders.csv")
    together = Counter()
    for items in orders.groupby("order_id").sku.apply(sorted):
        together.update(itertools.combinations(items, 2))
    comp_co = sum(together[(a, b)] for a, b in zip(comps.sku_a, comps.sku_b))
    sub_co = sum(together[(a, b)] for a, b in zip(subs.sku_a, subs.sku_b))
    assert comp_co > 20 * max(sub_co, 1), (comp_co, sub_co)

    views = pd.read_csv(out / "co_viewed.csv")
    w = {(a, b): x for a, b, x in zip(views.src, views.dst, views.weight)}
    planted = [w.get((a, b), 0) for a, b in zip(subs.sku_a, subs.sku_b)]
    assert min(planted) >= 8
    background = views.weight[~views.set_index(["src", "dst"]).index.isin(list(zip(subs.sku_a, subs.sku_b)))]
    assert background.max() < 8


def _within_category_share(folder):
    """Share of the pairs bought together (per order) whose two products share a leaf category."""
    category = pd.read_csv(folder / "catalog.csv").set_index("sku").category
    orders = pd.read_csv(folder / "orders.csv")
    same = Counter()
    for cats in category[orders.sku].groupby(orders.order_id.values).apply(list):
        same.update(a == b for a, b in itertools.combinations(cats, 2))
    return same[True] / (same[True] + same[False])


def test_baskets_are_missions_within_categories(out, tmp_path):
    # 10 leaf categories: category-blind baskets pair two products of one category about 1 time in 10
    assert _within_category_share(out) > 0.4
    generate(GeneratorSpec(**{**SPEC.__dict__, "second_category": 0.0, "mission_noise": 1.0}), tmp_path / "blind")
    assert _within_category_share(tmp_path / "blind") < 0.2


def test_orders_are_written_in_chunks_of_whole_orders(out, tmp_path, monkeypatch):
    monkeypatch.setattr(generate_module, "ORDER_CHUNK", 1_000)
    manifest = generate(SPEC, tmp_path / "chunked")
    orders = pd.read_csv(tmp_path / "chunked" / "orders.csv")
    assert orders.order_id.nunique() == 8_000 and orders.order_id.is_monotonic_increasing
    assert not orders.duplicated(["order_id", "sku"]).any() and (orders.sku.str[0] == "P").all()
    assert manifest["files"]["orders.csv"]["rows"] == len(orders)
    assert abs(len(orders) - len(pd.read_csv(out / "orders.csv"))) < 0.02 * len(orders)


def test_bad_specs_are_refused():
    with pytest.raises(InputError):
        GeneratorSpec(products=5).check()
    with pytest.raises(InputError):
        GeneratorSpec(substitute_share=0.9).check()
    with pytest.raises(InputError):
        GeneratorSpec(mission_noise=1.5).check()
