"""The Amazon 2014 metadata format: Python dict literals parsed safely, normalised into the 2018 path."""

import gzip
from pathlib import Path

import pytest

from relmine.ingest.amazon2014 import normalise, parse_literal
from tests.conftest import data_file
from tests.unit.test_ingest_readers import read, write

GOOD = [
    "{'asin': 'A1', 'title': 'Memory of Trees', 'price': 9.49, 'salesRank': {'Music': 939190}, "
    "'categories': [['CDs & Vinyl', 'New Age', 'Celtic New Age'], ['Digital Music', 'New Age']], "
    "'related': {'also_bought': ['A2', 'X9'], 'also_viewed': ['A3'], 'bought_together': ['A2'], "
    "'buy_after_viewing': ['A3', 'A1']}, 'description': 'Enya &amp; friends', 'brand': 'Enya'}",
    "{'asin': 'A2', 'title': \"Don't Drink His Blood\", 'categories': [['Digital Music', 'Alternative Rock']]}",
    "{'asin': 'A3', 'categories': [['CDs & Vinyl', 'Pop']], 'related': {'bought_together': ['A2']}}",
]


def _malicious(marker: Path) -> list[str]:
    cmd = f"touch {marker}"
    return [
        f"__import__('os').system('{cmd}')",
        f"{{'asin': 'M1', 'title': __import__('os').system('{cmd}')}}",
        f"{{'asin': 'M2', 'related': {{'also_bought': [open('{marker}', 'w').write('x')]}}}}",
        f"{{'asin': 'M3', 'title': (lambda: __import__('os').system('{cmd}'))()}}",
        "{'asin': 'M4', 'title': ().__class__.__bases__[0].__subclasses__()}",
        f"{{'asin': 'M5', 'title': exec(\"import os; os.system('{cmd}')\")}}",
        "{'asin': 'M6', 'title': 'x' * 10**9}",
    ]


def test_parse_literal_accepts_dicts_only():
    assert parse_literal("{'a': [1, 'b'], 'c': {'d': 2.5}}") == {"a": [1, "b"], "c": {"d": 2.5}}
    for text, reason in [("['a', 'b']", "not a dict literal but a list"), ("'asin'", "but a str"),
                         ("{'a': ", "not a Python literal"), ("{'a': x}", "not a Python literal")]:
        with pytest.raises(ValueError, match=reason):
            parse_literal(text)


def test_parse_literal_guards_size_and_nesting():
    with pytest.raises(ValueError, match="over the limit of 100"):
        parse_literal("{'a': '" + "x" * 200 + "'}", max_chars=100)
    with pytest.raises(ValueError, match="not a Python literal"):
        parse_literal("{'a': " + "[" * 100_000 + "]" * 100_000 + "}")


def test_malicious_lines_are_rejected_not_run(tmp_path):
    marker = tmp_path / "pwned"
    for text in _malicious(marker):
        with pytest.raises(ValueError, match="not a Python literal"):
            parse_literal(text)
    assert not marker.exists()
    # Through the reader: every malicious line is a reject with its line number, good lines land.
    lines = [GOOD[1]] + _malicious(marker) + [GOOD[2]]
    path = write(tmp_path / "meta.json", "\n".join(lines) + "\n")
    parsed, rejects = read(path, "amazon-meta")
    assert not marker.exists()
    assert [p["sku"] for p in parsed.products] == ["A2", "A3"]
    assert [r["line"] for r in rejects] == [str(i) for i in range(2, 2 + len(_malicious(marker)))]
    assert all(r["reason"].startswith("not JSON (") and "not a Python literal" in r["reason"] for r in rejects)


def test_normalise_maps_fields_and_related_types():
    rec = normalise(parse_literal(GOOD[0]))
    assert rec["category"] == ["CDs & Vinyl", "New Age", "Celtic New Age"]
    assert rec["categories"] == [["CDs & Vinyl", "New Age", "Celtic New Age"], ["Digital Music", "New Age"]]
    assert rec["also_buy"] == ["A2", "X9"] and rec["also_view"] == ["A3"]
    assert rec["bought_together"] == ["A2"] and rec["buy_after_viewing"] == ["A3", "A1"]
    assert rec["description"] == ["Enya &amp; friends"] and rec["rank"] == "939190 in Music"
    # Wrong types are dropped, not trusted; 2018 records pass through untouched.
    odd = normalise({"asin": "Z", "categories": [["A", 3], "B", ["C"]], "related": {"also_bought": ["Q", 7]},
                     "salesRank": {"Music": True}})
    assert odd["categories"] == [["C"]] and odd["also_buy"] == ["Q"] and "rank" not in odd
    r2018 = {"asin": "B", "also_buy": ["C"], "category": ["Gift Cards"]}
    assert normalise(r2018) is r2018


def test_reader_ingests_2014_lines_with_typed_links(tmp_path):
    path = write(tmp_path / "meta.json.gz", "\n".join(GOOD) + "\n", gz=True)
    parsed, rejects = read(path, "amazon-meta")
    assert rejects == []
    a1, a2, a3 = parsed.products
    assert a1["props"]["title"] == "Memory of Trees" and a1["props"]["price"] == 9.49
    assert a1["props"]["sales_rank"] == 939190 and a1["props"]["description"] == "Enya & friends"
    assert a1["category"] == "CDs & Vinyl > New Age > Celtic New Age"
    assert a1["props"]["categories"] == ["CDs & Vinyl > New Age > Celtic New Age", "Digital Music > New Age"]
    assert a2["props"]["title"] == "Don't Drink His Blood" and a3["category"] == "CDs & Vinyl > Pop"
    assert list(parsed.edges.rows("ALSO_BOUGHT")) == [["A1", "A2", 1.0]]
    assert list(parsed.edges.rows("ALSO_VIEWED")) == [["A1", "A3", 1.0]]
    # COMPLEMENT and SUBSTITUTE are symmetric: one row per pair (A1-A2 twice from both sides -> once).
    assert sorted(parsed.edges.rows("COMPLEMENT")) == [["A1", "A2", 1.0], ["A2", "A3", 1.0]]
    assert list(parsed.edges.rows("SUBSTITUTE")) == [["A1", "A3", 1.0]]
    notes = parsed.counts.notes
    assert notes["format_2014"] == 3 and notes["links_self"] == 1 and notes["links_external_dropped"] == 1


def test_real_digital_music_file(tmp_path):
    path = data_file("meta_Digital_Music_2014_head.json.gz")
    with gzip.open(path, "rt") as f:
        first = f.readline()
    assert first.startswith("{'asin'")  # the 2014 format, not JSON
    parsed, rejects = read(path, "amazon-meta", rejects_dir=tmp_path)  # never write next to the shared data
    assert rejects == [] and parsed.counts.accepted == 7419
    # ../shared/data/SOURCES.md: also_bought 45,706 and also_viewed 543 links inside the set (directed).
    assert sum(1 for _ in parsed.edges.rows("ALSO_BOUGHT")) == 45_706
    assert sum(1 for _ in parsed.edges.rows("ALSO_VIEWED")) == 543
    assert sum(1 for _ in parsed.edges.rows("COMPLEMENT")) > 1000
    assert sum(1 for _ in parsed.edges.rows("SUBSTITUTE")) > 3000
