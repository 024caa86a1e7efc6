"""Seeded fuzz of every ingest kind (issue 10 item 7) against a real Neo4j, through the real command line.

One generator (seed ``SEED``) writes a file per kind — catalog (CSV and JSON lines), amazon-meta, edges,
orders, baskets — where good rows and at least 2,000 bad rows (in all) are mixed at random. Each bad row is made by one
named mutation that says which fragment its reject reason must hold. Then each file goes through
``relmine ingest`` in a child process, and the test asserts:

* exit 0 and no traceback in the output;
* the rejects file holds exactly the bad rows' line numbers, each with the expected reason;
* every good row landed: counts and sums read back from Neo4j equal the generator's own tally;
* running the six ingests again reports ``already-ingested`` and changes nothing (graph fingerprint).
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from relmine.ingest import values as V
from tests.conftest import wipe
from tests.integration.ingest_helpers import fingerprint, one

pytestmark = pytest.mark.integration

SEED = 20_261_201
BAD_PER_KIND = 450   # x 5 kinds = 2,250 bad rows
GOOD_PER_KIND = 900
JUNK_TITLE = '<span class="a-size-medium a-color-secondary"'


@dataclass
class FuzzFile:
    kind: str
    path: Path
    args: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)        # physical lines, header included
    bad: dict[int, str] = field(default_factory=dict)     # line number -> fragment of the reason
    expect: dict[str, float] = field(default_factory=dict)

    def add(self, text: str, reason: str | None = None) -> int:
        self.lines.append(text)
        n = len(self.lines)
        if reason is not None:
            self.bad[n] = reason
        return n

    def write(self) -> None:
        self.path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def _csv(*cells) -> str:
    out = []
    for c in cells:
        s = str(c)
        out.append('"' + s.replace('"', '""') + '"' if any(ch in s for ch in ',"') else s)
    return ",".join(out)


def _mixed(rng: random.Random, good: int, bad: int) -> list[bool]:
    """Order of good (True) and bad (False) rows."""
    slots = [True] * good + [False] * bad
    rng.shuffle(slots)
    return slots


def _catalog(rng: random.Random, out: Path) -> FuzzFile:
    f = FuzzFile("catalog", out / "catalog.csv")
    f.add("sku,title,category,brand,price,stock")
    good_rows: list[tuple[str, list]] = []
    n = price_sum = nulled = 0
    mutations = [
        (lambda i: ["", "No sku", "A > B", "x", "1.0", "1"], "sku is empty"),
        (lambda i: ["k" * (V.SKU_MAX + 1 + i % 7), "Long", "A", "x", "1", "1"], "longer than the limit"),
        (lambda i: [f"cbad{i}\x01", "Ctl", "A", "x", "1", "1"], "control characters"),
        (lambda i: [f"cbad{i}", "Pan", "A", "x", "1,2,3", "1"], "is not a price"),
        (lambda i: [f"cbad{i}", "Pan", "A", "x", "9" * 400, "1"], "is not a price"),
        (lambda i: [f"cbad{i}", "Pan", "A", "x", "9" * 200, "1"], "above the limit"),
        (lambda i: [f"cbad{i}", "Pan", "A", "x", "cheap", "1"], "is not a price"),
        (lambda i: [f"cbad{i}", "Pan", "c" * 10_240, "x", "1", "1"], "longer than the limit"),
        (lambda i: [f"cbad{i}", "Pan", " > ".join(f"l{j}" for j in range(3000)), "x", "1", "1"], "levels"),
        (lambda i: [f"cbad{i}", "Pan", "A", "x", "1"], "expected 6 fields"),
        (lambda i: [f"cbad{i}", "Pan", "A", "x", "1", "1", "extra"], "expected 6 fields"),
    ]
    for is_good in _mixed(rng, GOOD_PER_KIND, BAD_PER_KIND):
        if is_good:
            n += 1
            sku, price = f"c{n:05d}", round(rng.uniform(0.5, 500), 2)
            title = JUNK_TITLE if n % 17 == 0 else f"Item {n} <b>bold</b>" if n % 11 == 0 else f"Item {n}"
            nulled += title == JUNK_TITLE
            cells = [sku, title, f"Dept{n % 5} > Shelf{n % 13}", f"Brand{n % 9}", f"{price:.2f}", n % 40]
            line = f.add(_csv(*cells))
            good_rows.append((sku, cells))
            price_sum += round(price, 2)
        elif good_rows and rng.random() < 0.1:  # a known sku again with another price: a conflict
            sku, cells = rng.choice(good_rows)
            f.add(_csv(sku, cells[1], cells[2], cells[3], "999999.5", cells[5]), "conflicts with line")
        else:
            make, reason = rng.choice(mutations)
            f.add(_csv(*make(len(f.lines))), reason)
    f.expect = {"products": n, "price_sum": price_sum, "titles_null": nulled,
                "categories": len({f"Dept{i % 5} > Shelf{i % 13}" for i in range(1, n + 1)}) +
                len({f"Dept{i % 5}" for i in range(1, n + 1)})}
    return f


def _catalog_json(rng: random.Random, out: Path) -> FuzzFile:
    """Catalog as JSON lines: JSON's own bad values, and keys with no ASCII characters that must land."""
    f = FuzzFile("catalog", out / "catalog.jsonl")
    mutations = [
        (lambda i: json.dumps({"sku": f"jbad{i}", "stock": 2**63 + i}), "64-bit"),
        (lambda i: '{"sku": "jbad%d", "weight": -1e999}' % i, "not finite"),
        (lambda i: json.dumps({"sku": f"jbad{i}", "spec": json.loads("{\"a\": " * 40 + "1" + "}" * 40)}),
         "nested deeper"),
        (lambda i: '{"sku": "jbad%d", "title": "a", "title": "b"}' % i, "given twice"),
        (lambda i: json.dumps({"sku": f"jbad{i}", "category": {"not": "a path"}}), "category is an object"),
        (lambda i: json.dumps({"title": "no sku"}), "no sku key"),
        (lambda i: json.dumps({"sku": [1, 2]}), "is not a value"),
    ]
    n = 0
    for is_good in _mixed(rng, GOOD_PER_KIND // 3, BAD_PER_KIND // 3):
        if is_good:
            n += 1
            f.add(json.dumps({"sku": f"j{n:05d}", "title": f"Json {n}", "颜色": f"色{n % 4}", "stock": n,
                              "category": ["Json", f"Kind{n % 3}"]}, ensure_ascii=False))
        else:
            make, reason = rng.choice(mutations)
            f.add(make(len(f.lines) + 1), reason)
    f.expect = {"products": n, "stock_sum": n * (n + 1) // 2}
    return f


def _amazon_meta(rng: random.Random, out: Path) -> FuzzFile:
    f = FuzzFile("amazon-meta", out / "meta.jsonl")
    asins: list[str] = []
    for i in range(GOOD_PER_KIND):
        asins.append(f"M{i:05d}")
    links: set[tuple[str, str]] = set()
    mutations = [
        (lambda i: '{"asin": "MB%d", "title": "broken' % i, "not JSON"),
        (lambda i: json.dumps([{"asin": f"MB{i}"}]), "not a JSON object"),
        (lambda i: json.dumps({"title": "no asin"}), "asin: sku is empty"),
        (lambda i: json.dumps({"asin": f"MB{i}", "rank": 2**64 + i}), "64-bit"),
        (lambda i: '{"asin": "MB%d", "x": %s}' % (i, "[" * 20_000 + "]" * 20_000), "nested deeper"),
        (lambda i: json.dumps({"asin": f"MB{i}", "x": json.loads("[" * 40 + "]" * 40)}), "nested deeper"),
        (lambda i: json.dumps({"asin": f"MB{i}", "category": [f"c{j}" for j in range(3000)]}), "levels"),
        (lambda i: '{"asin": "MB%d", "sales": 1e400}' % i, "not finite"),
        (lambda i: json.dumps({"asin": "m" * 300}), "longer than the limit"),
        (lambda i: json.dumps({"asin": f"MB{i}", "title": "t" * (V.TEXT_MAX + 5)}), "longer than the limit"),
        (lambda i: "42", "not a JSON object"),
    ]
    done = 0
    nulled = 0
    for is_good in _mixed(rng, GOOD_PER_KIND, BAD_PER_KIND):
        if is_good:
            asin = asins[done]
            targets = sorted({rng.choice(asins) for _ in range(rng.randint(0, 4))} - {asin})
            links.update((asin, t) for t in targets)
            title = JUNK_TITLE if done % 13 == 0 else f"Meta {done} &amp; co"
            nulled += title == JUNK_TITLE
            f.add(json.dumps({"asin": asin, "title": title, "price": f"${done % 90 + 1}.50",
                              "category": ["Music", f"Genre{done % 7}"], "also_buy": targets,
                              "颜色": "红", "description": ["<div>", f"About {done}"]}, ensure_ascii=False))
            done += 1
        elif done and rng.random() < 0.1:
            asin = asins[rng.randrange(done)]
            f.add(json.dumps({"asin": asin, "title": "another title"}), "conflicts with line")
        else:
            make, reason = rng.choice(mutations)
            f.add(make(len(f.lines)), reason)
    f.expect = {"products": GOOD_PER_KIND, "also_bought": len(links), "titles_null": nulled,
                "price_sum": sum(i % 90 + 1.5 for i in range(GOOD_PER_KIND))}
    return f


def _edges(rng: random.Random, out: Path) -> FuzzFile:
    f = FuzzFile("edges", out / "edges.csv")
    f.add("src,dst,type,weight")
    seen: dict[tuple[str, str, str], tuple[int, float]] = {}
    weight_sum = 0.0
    mutations = [
        (lambda i: ["", "e1", "CO_VIEWED", "1"], "sku is empty"),
        (lambda i: [f"e{i}", f"e{i}", "CO_VIEWED", "1"], "self-loop"),
        (lambda i: ["e1", "e2", "NOT A TYPE!", "1"], "not a valid name"),
        (lambda i: ["e1", "e2", "WORKS_WITH", "1"], "unknown relation type"),
        (lambda i: ["e1", "e2", "CONTAINS", "1"], "reserved"),
        (lambda i: ["e1", "e2", "CO_VIEWED", "heavy"], "not a number"),
        (lambda i: ["e1", "e2", "CO_VIEWED", "inf"], "not finite"),
        (lambda i: ["e1"], "expected at least 2 fields"),
        (lambda i: ["x" * 500, "e2", "CO_VIEWED", "1"], "longer than the limit"),
    ]
    nodes = [f"e{i}" for i in range(300)]
    good = 0
    for is_good in _mixed(rng, GOOD_PER_KIND, BAD_PER_KIND):
        if is_good:
            while True:
                a, b = sorted(rng.sample(nodes, 2))
                rel = rng.choice(["CO_VIEWED", "ALSO_BOUGHT", "SUBSTITUTE"])
                if (a, b, rel) not in seen:
                    break
            w = round(rng.uniform(0.1, 5), 3)
            line = f.add(_csv(a, b, rel, w))
            seen[(a, b, rel)] = (line, w)
            weight_sum += w
            good += 1
        elif seen and rng.random() < 0.15:
            (a, b, rel), (first, w) = rng.choice(list(seen.items()))
            f.add(_csv(b, a, rel, w + 1) if rel != "ALSO_BOUGHT" else _csv(a, b, rel, w + 1), "conflicts with line")
        else:
            make, reason = rng.choice(mutations)
            f.add(_csv(*make(len(f.lines))), reason)
    f.expect = {"relations": good, "weight_sum": weight_sum}
    return f


def _orders(rng: random.Random, out: Path) -> FuzzFile:
    f = FuzzFile("orders", out / "orders.csv")
    f.add("order,sku,qty,time,price")
    lines: dict[tuple[str, str], int] = {}
    mutations = [
        (lambda i: [f"F{i}", "o1", "1e30", "2011-01-01 10:00:00", "1.5"], "above the limit"),
        (lambda i: [f"F{i}", "o1", str(10**30), "2011-01-01 10:00:00", "1.5"], "above the limit"),
        (lambda i: [f"F{i}", "o1", "1e400", "2011-01-01 10:00:00", "1.5"], "not a finite number"),
        (lambda i: [f"F{i}", "o1", "lots", "2011-01-01 10:00:00", "1.5"], "not a number"),
        (lambda i: [f"F{i}", "o1", "1.5", "2011-01-01 10:00:00", "1.5"], "not a whole number"),
        (lambda i: ["", "o1", "1", "2011-01-01 10:00:00", "1.5"], "order id is empty"),
        (lambda i: ["F" * 5_000, "o1", "1", "2011-01-01 10:00:00", "1.5"], "longer than the limit"),
        (lambda i: [f"F{i}", "", "1", "2011-01-01 10:00:00", "1.5"], "sku is empty"),
        (lambda i: [f"F{i}", "o1", "1", "yesterday", "1.5"], "is not a date/time"),
        (lambda i: [f"F{i}", "o1", "1", "2011-13-45 10:00:00", "1.5"], "not a valid ISO 8601"),
        (lambda i: [f"F{i}", "o1", "1", "2011-01-01 10:00:00", "1,2,3"], "is not a price"),
        (lambda i: [f"F{i}", "o1", "1", "2011-01-01 10:00:00"], "expected 5 fields"),
    ]
    big = ("FBIG", "o7")
    f.add(_csv(*big, V.QTY_MAX, "2011-01-02 09:00:00", "2.0"))  # a good line at the limit …
    lines[big] = V.QTY_MAX
    for is_good in _mixed(rng, GOOD_PER_KIND, BAD_PER_KIND):
        if is_good:
            order, sku, q = f"F{rng.randrange(250):04d}", f"o{rng.randrange(120)}", rng.randint(1, 20)
            f.add(_csv(order, sku, q, f"2011-0{order[-1] if order[-1] in '123456789' else 1}-15 12:00:00",
                       f"{rng.randint(1, 99)}.25"))
            lines[(order, sku)] = lines.get((order, sku), 0) + q
        elif rng.random() < 0.05:  # … and another line of the same (order, sku): the sum would pass it
            f.add(_csv(*big, 1, "2011-01-02 09:00:00", "2.0"), "summed to")
        else:
            make, reason = rng.choice(mutations)
            f.add(_csv(*make(len(f.lines))), reason)
    f.expect = {"orders": len({o for o, _ in lines}), "lines": len(lines), "qty_sum": sum(lines.values())}
    return f


def _baskets(rng: random.Random, out: Path) -> FuzzFile:
    f = FuzzFile("baskets", out / "baskets.csv", args=["--order-prefix", "fz"])
    items: set[str] = set()
    baskets = lines = 0
    mutations = [
        (lambda i: ", , ,", "empty basket"),
        (lambda i: f"milk,{'y' * 300}", "longer than the limit"),
        (lambda i: f"milk,bad\x02item{i}", "control characters"),
    ]
    for is_good in _mixed(rng, GOOD_PER_KIND, BAD_PER_KIND):
        if is_good:
            basket = sorted({f"item{rng.randrange(80)}" for _ in range(rng.randint(1, 6))})
            f.add(",".join(basket))
            items.update(basket)
            baskets += 1
            lines += len(basket)
        else:
            make, reason = rng.choice(mutations)
            f.add(make(len(f.lines)), reason)
    f.expect = {"orders": baskets, "lines": lines, "products": len(items)}
    return f


@pytest.fixture(scope="module")
def fuzz_files(tmp_path_factory) -> list[FuzzFile]:
    out = tmp_path_factory.mktemp("fuzz")
    rng = random.Random(SEED)
    files = [_catalog(rng, out), _amazon_meta(rng, out), _edges(rng, out), _orders(rng, out), _baskets(rng, out),
             _catalog_json(rng, out)]
    for f in files:
        f.write()
    return files


def _cli(settings, f: FuzzFile, rejects: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update({"NEO4J_URI": settings.neo4j_uri, "NEO4J_USER": settings.neo4j_user,
                "NEO4J_PASSWORD": settings.neo4j_password, "NEO4J_DATABASE": settings.neo4j_database})
    cmd = [sys.executable, "-m", "relmine.cli.main", "ingest", f.kind, str(f.path), *f.args, "--no-progress",
           "--json", "--max-rejects", "100000", "--max-reject-rate", "1", "--rejects", str(rejects)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_fuzz_every_kind_bad_rows_rejected_good_rows_landed_rerun_changes_nothing(clean_graph, neo4j_settings,
                                                                                  fuzz_files, tmp_path):
    gw = clean_graph
    wipe(gw)
    assert sum(len(f.bad) for f in fuzz_files) >= 2_000
    assert {f.kind for f in fuzz_files} == {"catalog", "amazon-meta", "edges", "orders", "baskets"}  # + catalog JSON
    reports = {}
    for f in fuzz_files:
        name = f.path.name
        rejects = tmp_path / f"{name}.rejects.csv"
        done = _cli(neo4j_settings, f, rejects)
        assert done.returncode == 0, (f.kind, done.stdout[-2000:], done.stderr[-4000:])
        assert "Traceback" not in done.stdout + done.stderr, (f.kind, done.stderr[-4000:])
        report = json.loads(done.stdout.strip().splitlines()[-1])
        reports[name] = report
        assert report["status"] == "done", report
        with open(rejects, newline="", encoding="utf-8") as fh:
            got = {int(r["line"]): r["reason"] for r in csv.DictReader(fh)}
        assert set(got) == set(f.bad), (f.kind, sorted(set(got) ^ set(f.bad))[:10])
        wrong = {n: (f.bad[n], got[n]) for n in f.bad if f.bad[n] not in got[n]}
        assert not wrong, (f.kind, list(wrong.items())[:5])
        assert report["counts"]["rejected"] == len(f.bad)

    cat, meta, edges, orders, baskets, cat_json = fuzz_files
    assert one(gw, "MATCH (p:Product) WHERE p.sku STARTS WITH 'c0' RETURN count(p)") == cat.expect["products"]
    assert one(gw, "MATCH (p:Product) WHERE p.sku STARTS WITH 'c0' RETURN sum(p.price)") == \
        pytest.approx(cat.expect["price_sum"])
    assert one(gw, "MATCH (p:Product) WHERE p.sku STARTS WITH 'c0' AND p.title IS NULL RETURN count(p)") == \
        cat.expect["titles_null"] == reports["catalog.csv"]["counts"]["notes"]["title_nulled"]
    assert one(gw, "MATCH (p:Product) WHERE p.sku STARTS WITH 'c0' AND p.title CONTAINS '<' RETURN count(p)") == 0
    assert one(gw, "MATCH (c:Category) WHERE c.path STARTS WITH 'Dept' RETURN count(c)") == cat.expect["categories"]
    assert one(gw, "MATCH (p:Product) WHERE p.sku STARTS WITH 'M' RETURN count(p)") == meta.expect["products"]
    assert one(gw, "MATCH (p:Product) WHERE p.sku STARTS WITH 'M' RETURN sum(p.price)") == \
        pytest.approx(meta.expect["price_sum"])
    assert one(gw, "MATCH (:Product)-[r:ALSO_BOUGHT]->(:Product) WHERE startNode(r).sku STARTS WITH 'M' "
                   "RETURN count(r)") == meta.expect["also_bought"]
    assert one(gw, "MATCH (p:Product) WHERE p.sku STARTS WITH 'M' AND p.title IS NULL RETURN count(p)") == \
        meta.expect["titles_null"]
    assert one(gw, "MATCH (a:Product)-[r:CO_VIEWED|ALSO_BOUGHT|SUBSTITUTE]->(b:Product) "
                   "WHERE a.sku STARTS WITH 'e' RETURN count(r)") == edges.expect["relations"]
    assert one(gw, "MATCH (a:Product)-[r:CO_VIEWED|ALSO_BOUGHT|SUBSTITUTE]->(b:Product) "
                   "WHERE a.sku STARTS WITH 'e' RETURN sum(r.weight)") == pytest.approx(edges.expect["weight_sum"])
    assert one(gw, "MATCH (o:Order) WHERE o.id STARTS WITH 'F' RETURN count(o)") == orders.expect["orders"]
    assert one(gw, "MATCH (o:Order)-[c:CONTAINS]->() WHERE o.id STARTS WITH 'F' RETURN count(c)") == \
        orders.expect["lines"]
    assert one(gw, "MATCH (o:Order)-[c:CONTAINS]->() WHERE o.id STARTS WITH 'F' RETURN sum(c.qty)") == \
        orders.expect["qty_sum"]
    assert one(gw, "MATCH (o:Order) WHERE o.id STARTS WITH 'F' RETURN collect(DISTINCT valueType(o.time))") == \
        ["LOCAL DATETIME NOT NULL"]
    assert one(gw, "MATCH (o:Order) WHERE o.id STARTS WITH 'fz:' RETURN count(o)") == baskets.expect["orders"]
    assert one(gw, "MATCH (o:Order)-[c:CONTAINS]->() WHERE o.id STARTS WITH 'fz:' RETURN count(c)") == \
        baskets.expect["lines"]
    assert one(gw, "MATCH (s:Stats {id: 'global'}) RETURN s.n_orders") == \
        orders.expect["orders"] + baskets.expect["orders"]
    assert one(gw, "MATCH (p:Product) WHERE p.sku STARTS WITH 'j0' RETURN count(p)") == cat_json.expect["products"]
    assert one(gw, "MATCH (p:Product) WHERE p.sku STARTS WITH 'j0' RETURN sum(p.stock)") == \
        cat_json.expect["stock_sum"]
    assert one(gw, "MATCH (p:Product {sku: 'j00003'}) RETURN p[$k]", {"k": V.fallback_key("颜色")}) == "色3"
    assert one(gw, "MATCH (s:Source) WHERE s.status <> 'done' RETURN count(s)") == 0

    before = fingerprint(gw)
    for f in fuzz_files:
        again = _cli(neo4j_settings, f, tmp_path / f"{f.path.name}.again.csv")
        assert again.returncode == 0 and "Traceback" not in again.stdout + again.stderr, again.stderr[-2000:]
        assert json.loads(again.stdout.strip().splitlines()[-1])["status"] == "already-ingested"
    assert fingerprint(gw) == before
