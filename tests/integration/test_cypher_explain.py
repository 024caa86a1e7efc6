"""The real server plans every statement in cypher/ with its own ``:params`` example.

``EXPLAIN`` parses, checks variables, functions, procedure names and their ``YIELD`` columns,
and plans, without running anything, so it needs no data and no GDS projection. Every file
is EXPLAINed as it is, in an auto-commit transaction, with the parameters of its header:
GDS procedure calls (no projection need exist), ``CALL { } IN TRANSACTIONS``, schema commands
and ``SHOW`` included; none needs to be handled apart.

Each plan must come back without the server's "parameter missing" warning, the header must
name no parameter that the statement does not use, and only the files in
``DEPRECATED`` may use a deprecated feature. The statements relmine composes at run time from
these files (tests/unit/test_cypher_guard.py lists where) are EXPLAINed too.
"""

from __future__ import annotations

import json
import re

import pytest

from relmine import cypher
from relmine.ingest.load import typed_statement
from relmine.motifs.ascii import parse_pattern
from relmine.motifs.compiler import compile_pattern
from relmine.motifs.library import counting_statement, library

ALL = cypher.names()
MISSING_PARAMETER = "01N60"
# statement -> why it may keep a deprecated feature (Neo4j 5.26 says which with a 01N0x warning)
DEPRECATED: dict[str, str] = {}  # none left (issue 28: elementId(), nodes in GDS projections, CALL (x) { })


def explain(gateway, text: str, params: dict) -> list:
    """The server's warnings on ``EXPLAIN text``: all but the success status and the labels, types
    and properties it does not know yet (those depend on what the graph holds now)."""
    with gateway._driver.session(database=gateway.database,  # noqa: SLF001 (the plan and its warnings)
                                 notifications_min_severity="WARNING") as session:
        summary = session.run("EXPLAIN\n" + text, params).consume()
    assert summary.plan, "no plan came back"
    return [s for s in summary.gql_status_objects
            if not s.gql_status.startswith("00") and s.classification.name != "UNRECOGNIZED"]


def _used_parameters(text: str) -> set[str]:
    body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    body = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "''", body)  # no $ inside string literals
    return set(re.findall(r"\$(\w+)", body)) | set(re.findall(r"\$`([^`]+)`", body))


def test_every_file_is_taken():
    # 151 statement files when this test was written; it takes each group (folder)
    assert len(ALL) >= 151
    groups = {n.split("/")[0] for n in ALL}
    assert {"admin", "bench", "bi", "clusters", "ingest", "learn", "matching", "motifs", "runs", "schema"} <= groups


@pytest.mark.parametrize("name", ALL)
def test_statement_explains_with_its_params_example(gateway, name):
    text = cypher.load(name)
    params = json.loads(cypher.params_example(name))  # JSON, so the Browser, cypher-shell and this test read it
    warnings = explain(gateway, text, params)
    missing = [w.status_description for w in warnings if w.gql_status == MISSING_PARAMETER]
    assert missing == [], f"{name}: its :params example lacks a parameter"
    unused = set(params) - _used_parameters(text)
    assert unused == set(), f"{name}: its :params example names parameters the statement does not use"
    deprecated = [w.status_description for w in warnings if w.classification.name == "DEPRECATION"]
    assert bool(deprecated) == (name in DEPRECATED), (
        f"{name}: {deprecated or 'no deprecated feature left: drop it from DEPRECATED'}")
    assert [w for w in warnings if w.gql_status != MISSING_PARAMETER and w.classification.name != "DEPRECATION"] == []


def test_explain_fails_on_a_broken_statement(gateway):
    # the check can fail: an unknown procedure, a wrong YIELD column, a missing parameter
    from neo4j.exceptions import ClientError

    with pytest.raises(ClientError, match="ProcedureNotFound|no procedure"):
        explain(gateway, "CALL gds.no_such_procedure($x) YIELD a RETURN a", {"x": 1})
    with pytest.raises(ClientError, match="Unknown procedure output"):
        explain(gateway, "CALL gds.graph.drop($graph, false) YIELD nope RETURN nope", {"graph": "x"})
    warned = explain(gateway, "MATCH (p:Product {sku: $sku}) RETURN p LIMIT $limit", {"limit": 1})
    assert [w.gql_status for w in warned] == [MISSING_PARAMETER]
    assert _used_parameters("// :params {}\nMATCH (p {sku: $sku}) WHERE p.note <> '$x' RETURN p") == {"sku"}


def test_every_deprecation_allowance_names_a_statement():
    assert set(DEPRECATED) <= set(ALL)


# -- statements composed from these files at run time ----------------------------------
@pytest.mark.parametrize("kind", [k.name for k in library()])
def test_motif_counting_statement_explains(gateway, kind):
    mk = next(k for k in library() if k.name == kind)
    statement = counting_statement(mk)
    first = next(line for line in cypher.load(mk.statement).splitlines() if not line.startswith("//"))
    assert "// stand-in" not in statement.text and first in statement.text
    params = json.loads(cypher.params_example(mk.statement))
    params.pop("limit", None)  # counting drops the statement's LIMIT $limit
    assert [w.status_description for w in explain(gateway, statement.text, params)] == []


@pytest.mark.parametrize("name", ["ingest/merge_relations", "ingest/merge_relations_seen"])
@pytest.mark.parametrize("rel_type", ["CO_PURCHASED", "ALSO_VIEWED", "SUBSTITUTE_OF"])
def test_typed_relation_statement_explains(gateway, rel_type, name):
    text = typed_statement(name, rel_type)
    assert f":{rel_type}]" in text and "__TYPE__" not in text
    params = json.loads(cypher.params_example(name))
    assert explain(gateway, text, params) == []


@pytest.mark.parametrize("options", [{}, {"count": True}, {"induced": True}, {"symmetry": False}])
def test_compiled_pattern_explains(gateway, options):
    pattern = parse_pattern('(a {category: "Lenses"})-[:CO_PURCHASED]-(b)-[:CO_PURCHASED]-(c)-[:CO_PURCHASED]-(a)')
    compiled = compile_pattern(pattern, **options)
    used = _used_parameters(compiled.text)
    params = {k: v for k, v in {**compiled.params, "limit": 10}.items() if k in used}
    assert set(params) == used
    assert explain(gateway, compiled.text, params) == []
