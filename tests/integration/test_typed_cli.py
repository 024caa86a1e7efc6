"""``relmine ingest amazon-meta`` of a 2014-format file, then ``relmine evaluate --typed`` on the graph in
a real Neo4j: the table, the PNG and the JSON, with numbers computed on the ingested relations."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from tests.conftest import wipe
from tests.unit.test_typed_eval import planted

pytestmark = pytest.mark.integration


def _write_2014(path, products, rels) -> None:
    """The planted catalogue as 2014 lines: Python dict literals with ``related`` lists."""
    related: dict[str, dict[str, list[str]]] = {p["sku"]: {} for p in products}
    key = {"ALSO_VIEWED": "also_viewed", "ALSO_BOUGHT": "also_bought"}
    for r in rels:
        related[r["src"]].setdefault(key[r["type"]], []).append(r["dst"])
    lines = []
    for p in products:
        levels = [x.strip() for x in p["category"].split(">")]
        lines.append(repr({"asin": p["sku"], "title": p["title"], "description": p["description"],
                           "price": p["price"], "categories": [levels], "related": related[p["sku"]]}))
    path.write_text("\n".join(lines) + "\n")


def test_ingest_2014_then_evaluate_typed(clean_graph, neo4j_settings, tmp_path):
    wipe(clean_graph)
    settings = neo4j_settings.with_(home=tmp_path / "home")
    run = lambda *args: CliRunner().invoke(cli, list(args), obj={"settings": settings}, catch_exceptions=False)
    products, rels = planted()
    meta = tmp_path / "meta_planted.json"
    _write_2014(meta, products, rels)
    res = run("ingest", "amazon-meta", str(meta))
    assert res.exit_code == 0, res.output
    out = tmp_path / "typed"
    res = run("evaluate", "--typed", "--seeds", "0", "--epochs", "2", "--hidden", "16", "--device", "cpu",
              "--out", str(out))
    assert res.exit_code == 0, res.output
    for method in ("majority", "content", "structural", "model"):
        assert any(line.startswith(method) for line in res.output.splitlines()), res.output
    assert "ALSO_VIEWED hits@20" in res.output and "bar (model macro-F1" in res.output
    report = json.loads((out / "typed.json").read_text())
    assert report["relation_types"] == ["ALSO_BOUGHT", "ALSO_VIEWED"]
    assert report["products"] == len(products)
    # every directed 2014 link became a relation; each unordered pair is counted once
    assert report["typed_pairs"] == len({tuple(sorted((r["src"], r["dst"]))) for r in rels})
    seed = report["per_seed"][0]
    assert seed["held_out"]["classified"] > 0 and seed["held_out"]["ALSO_VIEWED"] > 0
    assert sum(map(sum, seed["confusion"]["model"])) == seed["held_out"]["classified"]
    assert report["summary"]["content"]["macro_f1"][0] > 0.9  # planted substitutes share content
    assert (out / "typed_confusion.png").stat().st_size > 5000
    # recorded as a run of kind 'evaluate' with the summary's figures, flat and typed
    [row] = clean_graph.read("bi/run_comparison", {"kind": "evaluate", "limit": 10})
    figures = dict(row["metric_values"])
    assert row["status"] == "done" and json.loads(row["params"])["mode"] == "typed"
    assert figures["content_macro_f1"] == pytest.approx(report["summary"]["content"]["macro_f1"][0], abs=1e-4)
    assert figures["model_macro_f1_std"] == pytest.approx(report["summary"]["model"]["macro_f1"][1], abs=1e-4)
    assert isinstance(figures["bar_met"], bool) and figures["typed_pairs"] == report["typed_pairs"]


def test_typed_refuses_a_data_file(neo4j_settings, tmp_path):
    npz = tmp_path / "x.npz"
    npz.write_bytes(b"not used")
    res = CliRunner().invoke(cli, ["evaluate", "--typed", "--data", str(npz)], obj={"settings": neo4j_settings})
    assert res.exit_code != 0 and "--typed reads the product graph in Neo4j" in res.output
