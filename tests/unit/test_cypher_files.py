"""Every Cypher file loads by name and has the header that makes it paste into Neo4j Browser."""

import json
import re

import pytest

from relmine import cypher

ALL = cypher.names()


def test_there_are_statements():
    assert "schema/constraint_product_sku" in ALL


@pytest.mark.parametrize("name", ALL)
def test_header_and_params(name):
    text = cypher.load(name)
    lines = text.splitlines()
    assert lines[0].startswith("// ") and len(lines[0]) > 5, f"{name}: first line must be a // title"
    params = cypher.params_example(name)
    assert params is not None, f"{name}: needs a // :params {{...}} line"
    # the example is a Browser :params map; keys must be plain identifiers
    assert params.startswith("{") and params.endswith("}"), name
    body = "\n".join(l for l in lines if not l.strip().startswith("//")).strip()
    assert body, f"{name}: no statement"
    assert ";" not in body.rstrip(";"), f"{name}: one statement per file"


@pytest.mark.parametrize("name", [n for n in ALL if n.startswith("schema/")])
def test_schema_is_rerunnable(name):
    assert "IF NOT EXISTS" in cypher.load(name)


def test_unknown_and_escaping_names_are_refused():
    for bad in ("nope/none", "../pyproject", "/etc/passwd"):
        with pytest.raises(cypher.UnknownStatement):
            cypher.load(bad)
