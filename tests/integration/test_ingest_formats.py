"""Each input format against a real Neo4j; counts on the real samples checked against an independent count."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from collections import Counter

import pandas as pd
import pytest

from tests.conftest import data_file, wipe
from tests.integration.ingest_helpers import ingest, one, rows, snap_slice

pytestmark = pytest.mark.integration


@pytest.fixture
def gw(clean_graph):
    wipe(clean_graph)
    return clean_graph


def test_catalog_typed_properties_category_tree_and_recategorising(gw, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text("sku,title,category,brand,price,Color,Weight (g),In stock\n"
                    "A1,Pan,Kitchen > Cookware > Pans,Acme,$12.99,red,300,true\n"
                    "A2,Kettle,Kitchen > Small appliances,Acme,19.5,,1200,false\n"
                    "A3,Broken,Kitchen,Acme,cheap,blue,1,true\n")
    report = ingest(gw, path, "catalog", tmp_path)
    assert (report.counts.read, report.counts.accepted, report.counts.rejected) == (3, 2, 1)
    assert report.rejects_path and "line" in open(report.rejects_path).read()
    a1 = rows(gw, "MATCH (p:Product {sku: 'A1'}) RETURN properties(p) AS p")[0]["p"]
    assert a1 == {"sku": "A1", "title": "Pan", "brand": "Acme", "price": 12.99, "color": "red", "weight_g": 300,
                  "in_stock": True, "category": "Kitchen > Cookware > Pans"}
    tree = {(r["c"], r["p"]) for r in rows(gw, "MATCH (c:Category)-[:SUBCATEGORY_OF]->(p:Category) "
                                               "RETURN c.path AS c, p.path AS p")}
    assert tree == {("Kitchen > Cookware", "Kitchen"), ("Kitchen > Cookware > Pans", "Kitchen > Cookware"),
                    ("Kitchen > Small appliances", "Kitchen")}
    assert one(gw, "MATCH (c:Category {path: 'Kitchen > Cookware > Pans'}) RETURN c.name") == "Pans"
    assert one(gw, "MATCH (:Product)-[r:IN_CATEGORY]->() RETURN count(r)") == 2

    moved = tmp_path / "catalog2.csv"
    moved.write_text("sku,title,category,price\nA1,Pan XL,Kitchen > Small appliances,14\n")
    ingest(gw, moved, "catalog", tmp_path)
    assert rows(gw, "MATCH (p:Product {sku: 'A1'})-[:IN_CATEGORY]->(c) RETURN c.path AS c, p.title AS t, "
                    "p.price AS price, p.color AS color") == [
        {"c": "Kitchen > Small appliances", "t": "Pan XL", "price": 14, "color": "red"}]


def _meta_reference(path):
    """An independent reading of the McAuley file: products, links inside the set, parseable prices."""
    items = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    asins = {d["asin"] for d in items}
    links = {rel: {(d["asin"], t) for d in items for t in d[key] if t in asins and t != d["asin"]}
             for rel, key in (("ALSO_BOUGHT", "also_buy"), ("ALSO_VIEWED", "also_view"))}
    priced = sum(1 for d in items if re.fullmatch(r"\$[\d,]+\.\d\d( - \$[\d,]+\.\d\d)?", d["price"].strip()))
    return asins, links, priced


def test_amazon_meta_real_sample_matches_an_independent_count(gw, tmp_path):
    path = data_file("meta_Gift_Cards.json.gz")
    asins, links, priced = _meta_reference(path)
    report = ingest(gw, path, "amazon-meta", tmp_path)
    assert report.counts.rejected == 0 and report.counts.accepted == len(asins) == 1547
    assert one(gw, "MATCH (p:Product) RETURN count(p)") == len(asins)
    for rel, pairs in links.items():
        got = {(r["a"], r["b"]) for r in rows(gw, f"MATCH (a)-[:{rel}]->(b) RETURN a.sku AS a, b.sku AS b")}
        assert got == pairs, rel
    assert len(links["ALSO_BOUGHT"]) == 5993 and len(links["ALSO_VIEWED"]) == 6675  # ../shared/data/SOURCES.md
    assert one(gw, "MATCH (p:Product) WHERE p.price IS NOT NULL RETURN count(p)") == priced
    names = [r["n"] for r in rows(gw, "MATCH (c:Category) RETURN c.name AS n")]
    assert "Gift Cards" in names and not any("<" in n or n.endswith(".") for n in names)
    assert one(gw, "MATCH (c:Category {path: 'Gift Cards > Gift Cards'}) RETURN count(c)") == 0


def test_snap_edge_list_slice_matches_pandas(gw, tmp_path):
    path = snap_slice(data_file("amazon0302.txt.gz"), tmp_path / "slice.txt.gz", 15_000)
    ref = pd.read_csv(path, sep="\t", comment="#", header=None, names=["src", "dst"], dtype=str)
    ref = ref[ref.src != ref.dst].drop_duplicates()
    report = ingest(gw, path, "edges", tmp_path, relation_type="ALSO_BOUGHT", sku_prefix="snap:")
    assert report.counts.read == 15_000 and report.counts.rejected == 0
    assert one(gw, "MATCH (p:Product) RETURN count(p)") == len(set(ref.src) | set(ref.dst))
    assert one(gw, "MATCH ()-[r:ALSO_BOUGHT]->() RETURN count(r)") == len(ref)
    out_degree = ref.src.value_counts()
    got = {r["sku"]: r["d"] for r in rows(gw, "MATCH (p:Product)-[:ALSO_BOUGHT]->() "
                                              "RETURN p.sku AS sku, count(*) AS d")}
    assert got == {f"snap:{k}": v for k, v in out_degree.items()}


def _basket_reference(baskets):
    pairs, products = Counter(), Counter()
    for items in baskets:
        items = sorted(set(items))
        products.update(items)
        pairs.update(itertools.combinations(items, 2))
    return pairs, products


def _graph_pairs(gw):
    return {(r["a"], r["b"]): r["c"] for r in rows(
        gw, "MATCH (a:Product)-[r:CO_PURCHASED]->(b:Product) RETURN a.sku AS a, b.sku AS b, r.count AS c")}


def test_groceries_baskets_match_an_independent_count(gw, tmp_path):
    path = data_file("groceries.csv")
    baskets = [[i.strip() for i in line.rstrip("\n").split(",") if i.strip()] for line in open(path)]
    baskets = [b for b in baskets if b]
    pairs, products = _basket_reference(baskets)
    report = ingest(gw, path, "baskets", tmp_path)
    assert report.counts.read == len(baskets) == 9835 and report.counts.rejected == 0
    assert one(gw, "MATCH (p:Product) RETURN count(p)") == len(products) == 169
    assert not rows(gw, "MATCH (p:Product) WHERE p.sku <> trim(p.sku) RETURN p.sku")
    assert one(gw, "MATCH (s:Stats {id: 'global'}) RETURN s.n_orders") == 9835
    assert one(gw, "MATCH (:Order)-[c:CONTAINS]->() RETURN count(c)") == sum(len(set(b)) for b in baskets)
    assert _graph_pairs(gw) == dict(pairs)
    got = {r["s"]: r["n"] for r in rows(gw, "MATCH (p:Product) RETURN p.sku AS s, p.order_count AS n")}
    assert got == dict(products)


def test_online_retail_slice_matches_pandas(gw, tmp_path):
    src = data_file("online_retail_2010_2011.csv.gz")
    df = pd.read_csv(src, dtype=str, keep_default_na=False, nrows=20_000)
    sizes = df.groupby("InvoiceNo", sort=False).StockCode.nunique()
    first = sizes[sizes <= 12].index[:300]  # small invoices: few pairs, a quick test
    df = df[df.InvoiceNo.isin(first)]
    path = tmp_path / "retail_slice.csv.gz"
    df.to_csv(path, index=False, compression="gzip")
    report = ingest(gw, path, "orders", tmp_path, keep_service_lines=True)  # the reference counts every line
    assert report.counts.read == len(df) and report.counts.rejected == 0

    df["Quantity"] = df.Quantity.astype(int)
    lines = df.groupby(["InvoiceNo", "StockCode"]).Quantity.sum()
    pairs, products = _basket_reference(df.groupby("InvoiceNo").StockCode.apply(list))
    assert one(gw, "MATCH (s:Stats) RETURN s.n_orders") == df.InvoiceNo.nunique() == 300
    assert one(gw, "MATCH (s:Stats) RETURN s.n_order_lines") == len(lines)
    got_lines = {(r["o"], r["p"]): r["q"] for r in rows(
        gw, "MATCH (o:Order)-[c:CONTAINS]->(p:Product) RETURN o.id AS o, p.sku AS p, c.qty AS q")}
    assert got_lines == {k: int(v) for k, v in lines.items()}
    assert _graph_pairs(gw) == dict(pairs)
    got = {r["s"]: r["n"] for r in rows(gw, "MATCH (p:Product) RETURN p.sku AS s, p.order_count AS n")}
    assert got == dict(products)
    first_row = df.iloc[0]
    order = rows(gw, "MATCH (o:Order {id: $id}) RETURN o.customer AS c, o.country AS country, "
                     "toString(o.time) AS t", {"id": first_row.InvoiceNo})[0]
    assert order == {"c": first_row.CustomerID, "country": first_row.Country,
                     "t": first_row.InvoiceDate.replace(" ", "T")}
    title = one(gw, "MATCH (p:Product {sku: $s}) RETURN p.title", {"s": first_row.StockCode})
    assert title == first_row.Description
