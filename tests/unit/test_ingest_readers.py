"""Readers: every format, the rejects file (line + reason), duplicates, malformed files."""

import csv
import gzip
import json
from pathlib import Path

import pytest

from relmine.errors import InputError
from relmine.ingest.columns import load_mapping_file, parse_col_options
from relmine.ingest.options import IngestOptions
from relmine.ingest.parsed import Counts, RejectLog
from relmine.ingest.readers import READERS, ReadContext
from relmine.ingest.textio import detect_format, sniff_kind


def read(path: Path, kind: str, rejects_dir: Path | None = None, **opts):
    """Read ``path`` as ``kind``; the rejects file goes to ``rejects_dir`` (default: beside the input,
    which is a tmp folder in these tests; pass a tmp folder for a file of ../shared/data)."""
    options = IngestOptions(kind=kind, **opts)
    counts = Counts()
    log = RejectLog((rejects_dir or path.parent) / f"{path.name}.rejects.csv", counts)
    try:
        parsed = READERS[kind](ReadContext(path, detect_format(path, options.format), options, "ab" * 32, log))
    finally:
        log.close()
    rejects = []
    if log.path.exists():
        with open(log.path, newline="", encoding="utf-8") as f:
            rejects = list(csv.DictReader(f))
    return parsed, rejects


def write(path: Path, text: str, *, gz: bool = False, encoding: str = "utf-8") -> Path:
    data = text.encode(encoding)
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


CATALOG = """sku,Title,Category,brand,price,Color,Weight (g),sku code
A1,Pan,Kitchen > Cookware > Pans,Acme,$12.99,red,300,007
A2,Kettle,Kitchen > Small appliances,Acme,19.5,,1200,008
A3,Broken,Kitchen,Acme,not a price,blue,1,009
,No sku,Kitchen,Acme,1,blue,1,010
A4,Too,many,fields,1,2,3,4,5
A1,Pan again,Kitchen,Acme,1,red,1,011
"A5","Quoted, with comma","Garden > Hoses",Nord,"1,250.00",green,2.5,012
"""


def test_catalog_csv_rows_rejects_duplicates_and_free_columns(tmp_path):
    parsed, rejects = read(write(tmp_path / "cat.csv", CATALOG), "catalog")
    by = {p["sku"]: p for p in parsed.products}
    assert list(by) == ["A1", "A2", "A5"]
    assert by["A1"]["props"] == {"title": "Pan", "brand": "Acme", "price": 12.99, "color": "red", "weight_g": 300,
                                 "sku_code": "007"}
    assert by["A1"]["category"] == "Kitchen > Cookware > Pans"
    assert "color" not in by["A2"]["props"]
    assert by["A5"]["props"]["price"] == 1250.0 and by["A5"]["props"]["title"] == "Quoted, with comma"
    assert parsed.categories == {"Kitchen > Cookware > Pans", "Kitchen > Small appliances", "Garden > Hoses"}
    c = parsed.counts
    assert (c.read, c.accepted, c.rejected, c.duplicates) == (7, 3, 4, 0)
    assert [(r["line"], r["reason"].split(" ")[0]) for r in rejects] == [("4", "price"), ("5", "sku"),
                                                                           ("6", "expected"), ("7", "sku")]
    # a repeated sku with other values: rejected with both values, the first row kept
    assert rejects[3]["reason"].startswith("sku A1 conflicts with line 2: ") and '"Pan"' in rejects[3]["reason"] \
        and '"Pan again"' in rejects[3]["reason"] and c.notes["conflicting_duplicates"] == 1
    assert "not a price" in rejects[0]["reason"] and rejects[0]["raw"].startswith("A3,Broken")


def test_catalog_tsv_gz_with_mapped_columns_and_separator(tmp_path):
    text = "code\tname\tpath\nX1\tLamp\tHome/Lights\nX2\tBulb\tHome/Lights/Bulbs\n"
    path = write(tmp_path / "cat.tsv.gz", text, gz=True)
    parsed, rejects = read(path, "catalog", columns={"sku": "code", "category": "path"}, category_sep="/")
    assert [p["category"] for p in parsed.products] == ["Home > Lights", "Home > Lights > Bulbs"]
    assert parsed.products[0]["props"] == {"title": "Lamp"} and rejects == []


def test_catalog_jsonl_keeps_json_types(tmp_path):
    lines = [json.dumps({"id": "J1", "name": "Mug", "categories": ["Home", "Home", "Mugs"], "tags": ["a", "b"],
                         "specs": {"ml": 300}, "in stock": True}),
             "{not json",
             json.dumps(["a", "list"]),
             json.dumps({"name": "no id"})]
    parsed, rejects = read(write(tmp_path / "cat.jsonl", "\n".join(lines) + "\n"), "catalog")
    (p,) = parsed.products
    assert p["sku"] == "J1" and p["category"] == "Home > Mugs"
    assert p["props"] == {"title": "Mug", "tags": ["a", "b"], "specs": '{"ml": 300}', "in_stock": True}
    assert [r["line"] for r in rejects] == ["2", "3", "4"]
    assert "not JSON" in rejects[0]["reason"] and "no sku" in rejects[2]["reason"]


def test_missing_required_column_is_a_clear_error(tmp_path):
    path = write(tmp_path / "cat.csv", "name,price\nLamp,3\n")
    with pytest.raises(InputError, match=r"missing column\(s\) for sku.*'name', 'price'.*--col"):
        read(path, "catalog")
    with pytest.raises(InputError, match="not in the header"):
        read(path, "catalog", columns={"sku": "nope"})


def test_wrong_encoding_names_the_line(tmp_path):
    path = write(tmp_path / "cat.csv", "sku,title\nA1,Caf\u00e9\nA2,Cr\u00e8me\n", encoding="latin-1")
    with pytest.raises(InputError, match=r"line 2 is not valid utf-8.*--encoding"):
        read(path, "catalog")
    parsed, _ = read(path, "catalog", encoding="latin-1")
    assert [p["props"]["title"] for p in parsed.products] == ["Café", "Crème"]


def test_binary_junk_and_broken_gzip_are_refused(tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"sku,title\nA1,ok\n\x00\x01\x02\xff\xfe binary")
    with pytest.raises(InputError, match="line 3 holds NUL bytes"):
        read(junk, "catalog")
    gz = tmp_path / "cut.csv.gz"
    full = gzip.compress(("sku,title\n" + "".join(f"A{i},t\n" for i in range(5000))).encode())
    gz.write_bytes(full[: len(full) // 2])
    with pytest.raises(InputError, match="broken gzip"):
        read(gz, "catalog")
    fake = tmp_path / "fake.csv.gz"
    fake.write_bytes(b"sku,title\n")
    with pytest.raises(InputError, match="not gzip"):
        read(fake, "catalog")


def test_unterminated_quote_is_malformed_csv(tmp_path):
    path = write(tmp_path / "cat.csv", 'sku,title\nA1,"open quote\n' + "A2,x\n" * 3)
    with pytest.raises(InputError, match="malformed CSV"):
        read(path, "catalog")


SNAP = ("# Directed graph: Amazon0302.txt \r\n# Nodes: 5 Edges: 6\r\n# FromNodeId\tToNodeId\r\n"
        "0\t1\r\n0\t2\r\n1\t0\r\n2\t2\r\n0\t1\r\n3\t4\r\n\r\n")


def test_snap_edges_comments_tabs_crlf(tmp_path):
    path = write(tmp_path / "g.txt.gz", SNAP, gz=True)
    parsed, rejects = read(path, "edges", relation_type="ALSO_BOUGHT", sku_prefix="s:")
    edges = parsed.edges
    assert list(edges.rows("ALSO_BOUGHT")) == [["s:0", "s:1", 1.0], ["s:0", "s:2", 1.0], ["s:1", "s:0", 1.0],
                                               ["s:3", "s:4", 1.0]]
    assert (parsed.counts.read, parsed.counts.accepted, parsed.counts.duplicates, parsed.counts.rejected) == (6, 4, 1, 1)
    assert rejects[0]["line"] == "7" and "self-loop" in rejects[0]["reason"]
    assert edges.skus == ["s:0", "s:1", "s:2", "s:3", "s:4"]
    assert list(edges.grouped_batches("ALSO_BOUGHT", 3)) == [
        {"skus": ["s:0", "s:1", "s:2"], "rows": [["s:0", ["s:1", "s:2"], [1.0, 1.0]], ["s:1", ["s:0"], [1.0]]]},
        {"skus": ["s:3", "s:4"], "rows": [["s:3", ["s:4"], [1.0]]]}]


def test_edge_csv_with_types_weights_and_symmetric_canonical_direction(tmp_path):
    text = ("source,target,relation,score\n"
            "b,a,co-viewed,2\n"      # symmetric: stored a -> b
            "a,b,CO_VIEWED,5\n"      # the same pair with another weight: a conflict, rejected with both
            "a,b,co_viewed,2\n"      # the same pair, the same weight: a duplicate
            "a,b,ALSO_BOUGHT,1\n"
            "b,a,ALSO_BOUGHT,\n"     # directed: a different relation, weight 1.0
            "a,c,FRIEND_OF,1\n"      # not allowed
            "a,c,X`]->(n) DELETE n//,1\n"
            "a,c,ALSO_VIEWED,heavy\n")
    parsed, rejects = read(write(tmp_path / "e.csv", text), "edges")
    e = parsed.edges
    assert list(e.rows("CO_VIEWED")) == [["a", "b", 2.0]]
    assert list(e.rows("ALSO_BOUGHT")) == [["b", "a", 1.0], ["a", "b", 1.0]]  # by (src, dst) first seen
    assert parsed.counts.duplicates == 1
    assert [r["line"] for r in rejects] == ["7", "8", "9", "3"]  # conflicts are found once the file is read
    assert "unknown relation type FRIEND_OF" in rejects[0]["reason"]
    assert "not a valid name" in rejects[1]["reason"]
    assert "weight" in rejects[2]["reason"]
    assert 'conflicts with line 2: {"weight": 2.0} (kept) vs {"weight": 5.0}' in rejects[3]["reason"]
    parsed, rejects = read(write(tmp_path / "e2.csv", "a,c,FRIEND_OF\n"), "edges", allow_types=("friend_of",))
    assert list(parsed.edges.rows("FRIEND_OF")) == [["a", "c", 1.0]] and rejects == []



def test_edge_dates_give_first_and_last_seen(tmp_path):
    """A date column: each relation's earliest and latest date over its repeated rows (repeats with other dates
    are duplicates, not conflicts); a row without a date moves neither; a bad date is a reject; slashed dates
    need --date-format, as for orders; a type none of whose rows has a date carries no times."""
    from datetime import datetime as D

    from relmine.ingest.pairs import time_of

    text = ("src,dst,type,date\n"
            "a,b,ALSO_BOUGHT,2011-03-01\n"
            "a,b,ALSO_BOUGHT,2011-01-15 10:30\n"
            "a,b,ALSO_BOUGHT,\n"
            "a,c,ALSO_BOUGHT,\n"
            "b,c,ALSO_BOUGHT,2011-02-01\n"
            "a,d,ALSO_BOUGHT,last week\n"
            "a,b,ALSO_VIEWED,\n")
    parsed, rejects = read(write(tmp_path / "dated.csv", text), "edges")
    e = parsed.edges
    assert list(e.rows("ALSO_BOUGHT")) == [["a", "b", 1.0], ["a", "c", 1.0], ["b", "c", 1.0]]
    first, last = e.times["ALSO_BOUGHT"]
    assert [(time_of(f), time_of(l)) for f, l in zip(first, last)] == [
        (D(2011, 1, 15, 10, 30), D(2011, 3, 1)), (None, None), (D(2011, 2, 1), D(2011, 2, 1))]
    assert "ALSO_VIEWED" not in e.times
    assert parsed.counts.duplicates == 2 and [r["line"] for r in rejects] == ["7"]
    assert "not a date/time" in rejects[0]["reason"]
    [batch] = e.grouped_batches("ALSO_BOUGHT", 10)
    times = batch["times"]
    assert [[times[i] if i is not None else None for i in row[3]] for row in batch["rows"]] == [
        [times[0], None], [times[1]]]
    assert "times" not in next(e.grouped_batches("ALSO_VIEWED", 10))
    with pytest.raises(InputError, match="date-format"):
        read(write(tmp_path / "slashed.csv", "src,dst,date\na,b,01/02/2011\n"), "edges")
    parsed, _ = read(write(tmp_path / "slashed2.csv", "src,dst,date\na,b,01/02/2011\n"), "edges",
                     date_format="%d/%m/%Y")
    assert [time_of(f) for f in parsed.edges.times["RELATED"][0]] == [D(2011, 2, 1)]

ORDERS = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom
536365,85123A,WHITE HANGING HEART,2,2010-12-01 08:26:00,2.55,17850,United Kingdom
536366,22633,HAND WARMER,0,2010-12-01 08:28:00,1.85,17850,United Kingdom
536366,22632,HAND WARMER RED,6,yesterday,1.85,17850,United Kingdom
536367,22632,,3,2010-12-01 08:34:00,1.85,13047,France
"""


def test_orders_group_lines_and_reject_bad_ones(tmp_path):
    parsed, rejects = read(write(tmp_path / "o.csv", ORDERS), "orders")
    t = parsed.orders
    assert t.ids == ["536365", "536367"]
    assert t.items[0] == {"85123A": 8, "71053": 6}
    assert t.props[0]["customer"] == "17850" and t.props[0]["country"] == "United Kingdom"
    assert t.props[0]["time"].isoformat() == "2010-12-01T08:26:00"
    assert parsed.counts.notes["lines_merged"] == 1
    assert [(r["line"], r["reason"]) for r in rejects] == [("5", "quantity 0 is not positive"),
                                                          ("6", "time 'yesterday' is not a date/time (ISO 8601 expected, or pass --date-format)")]
    stubs = {s["sku"]: s for s in parsed.stubs}
    assert stubs["85123A"] == {"sku": "85123A", "title": "WHITE HANGING HEART", "price": 2.55}
    assert stubs["22632"]["title"] is None


def test_orders_column_mapping_options_and_file(tmp_path):
    path = write(tmp_path / "o.csv", "ticket,article,n\nT1,a,2\nT1,b,1\nT2,a,1\n")
    with pytest.raises(InputError, match="missing column"):
        read(path, "orders")
    cols = parse_col_options(["order=ticket", "sku=article", "qty=n"])
    parsed, _ = read(path, "orders", columns=cols, order_prefix="shop1:")
    assert parsed.orders.ids == ["shop1:T1", "shop1:T2"] and parsed.orders.items[0] == {"a": 2, "b": 1}
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  order: ticket\n  sku: article\n  qty: n\n")
    assert load_mapping_file(mapping) == cols
    (tmp_path / "map.json").write_text(json.dumps(cols))
    assert load_mapping_file(tmp_path / "map.json") == cols
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="must hold an object"):
        load_mapping_file(tmp_path / "bad.json")
    with pytest.raises(InputError, match="FIELD=COLUMN"):
        parse_col_options(["order"])
    with pytest.raises(InputError, match="unknown field"):
        read(path, "orders", columns={"colour": "n"})


def test_baskets_strip_names_and_count_repeats(tmp_path):
    path = write(tmp_path / "b.csv", "milk,bread ,milk\n\ncream cheese ,meat spreads\n, ,\nbeer\n")
    parsed, rejects = read(path, "baskets", order_prefix="g")
    t = parsed.orders
    assert t.ids == ["g:1", "g:3", "g:5"]
    assert t.items == [{"milk": 2, "bread": 1}, {"cream cheese": 1, "meat spreads": 1}, {"beer": 1}]
    assert [(r["line"], r["reason"]) for r in rejects] == [("4", "empty basket (no item names)")]
    assert parsed.counts.notes["names_stripped"] == 2
    default, _ = read(path, "baskets")
    assert default.orders.ids[0] == "b" + "ab" * 6 + ":1"


def test_amazon_meta_repairs_messy_fields(tmp_path):
    rows = [
        {"asin": "B1", "title": "Card &amp; box", "price": "$12.99", "brand": "Amazon",
         "category": ["Gift Cards", "Gift Cards", "</span></span></span>", "Starbucks"],
         "also_buy": ["B2", "B9", "B1"], "also_view": ["B2", "B2"], "rank": "1,786 in Gift Cards (",
         "description": ["<div>Nice <b>card</b></div>"], "main_cat": "Gift Cards"},
        {"asin": "B2", "title": "Other", "price": ".a-box-inner{background-color:#fff}",
         "category": ["Gift Cards", "Gift Card Accessories", "Made with thick paper."], "also_buy": [],
         "also_view": ["B1"], "main_cat": '<img src="x.png" alt="Gift Cards"/>'},
        {"asin": "", "title": "no asin"},
        {"asin": "B1", "title": "dup"},
    ]
    path = write(tmp_path / "meta.json.gz", "\n".join(json.dumps(r) for r in rows) + "\n", gz=True)
    parsed, rejects = read(path, "amazon-meta")
    b1, b2 = parsed.products
    assert b1["props"]["title"] == "Card & box" and b1["props"]["price"] == 12.99
    assert b1["props"]["sales_rank"] == 1786 and b1["props"]["description"] == "Nice card"
    assert b1["category"] == "Gift Cards" and b2["category"] == "Gift Cards > Gift Card Accessories"
    assert "price" not in b2["props"] and "main_cat" not in b2["props"]
    assert list(parsed.edges.rows("ALSO_BOUGHT")) == [["B1", "B2", 1.0]]
    assert list(parsed.edges.rows("ALSO_VIEWED")) == [["B1", "B2", 1.0], ["B2", "B1", 1.0]]
    n = parsed.counts.notes
    assert n == {"price_dropped": 1, "category_levels_cut": 2, "links_external_dropped": 1, "links_self": 1,
                 "links_duplicate": 1, "links_kept": 3, "title_cleaned": 1, "conflicting_duplicates": 1}
    assert parsed.counts.duplicates == 0 and [r["line"] for r in rejects] == ["3", "4"]
    assert "asin B1 conflicts with line 1" in rejects[1]["reason"] and '"dup"' in rejects[1]["reason"]
    kept, _ = read(path, "amazon-meta", keep_external=True)
    assert kept.counts.notes["external_products"] == 1 and "B9" in kept.edges
    assert list(kept.edges.rows("ALSO_BOUGHT")) == [["B1", "B2", 1.0], ["B1", "B9", 1.0]]


def test_format_and_kind_detection(tmp_path):
    assert detect_format(Path("x.csv.gz")) == "csv" and detect_format(Path("x.json")) == "jsonl"
    assert detect_format(Path("x.txt.gz")) == "text" and detect_format(Path("x.dat"), "tsv") == "tsv"
    with pytest.raises(InputError, match="--format"):
        detect_format(Path("x.dat"))
    cases = {
        "o.csv": ("InvoiceNo,StockCode,Quantity\n1,a,1\n", "orders"),
        "e.csv": ("src,dst,type\na,b,RELATED\n", "edges"),
        "c.csv": ("sku,title\na,b\n", "catalog"),
        "b.csv": ("milk,bread\nbeer\n", "baskets"),
        "s.txt": ("# c\n0\t1\n", "edges"),
        "m.json": (json.dumps({"asin": "B1"}) + "\n", "amazon-meta"),
        "j.jsonl": (json.dumps({"sku": "B1"}) + "\n", "catalog"),
    }
    for name, (text, kind) in cases.items():
        path = write(tmp_path / name, text)
        assert sniff_kind(path, detect_format(path)) == kind, name


def test_reject_log_caps_raw_text(tmp_path):
    counts = Counts()
    log = RejectLog(tmp_path / "r.csv", counts)
    log.reject(3, "bad", "x" * 2000 + "\r\n")
    log.reject(4, "worse", {"k": 1})
    log.close()
    rows = list(csv.DictReader(open(tmp_path / "r.csv", newline="")))
    assert counts.rejected == 2 and len(rows[0]["raw"]) == RejectLog.RAW_MAX and rows[1]["raw"] == '{"k": 1}'
