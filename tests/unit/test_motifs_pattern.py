"""The pattern language: parsing (ASCII and dict spec), normalisation, and clear errors on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from relmine.cli.main import cli
from relmine.errors import InputError
from relmine.motifs import format_ascii, parse_ascii, parse_pattern, pattern_from_spec, pattern_to_spec
from relmine.motifs.pattern import DEFAULT_EDGE_TYPES, MAX_NODES, Predicate


def test_ascii_full_example():
    p = parse_ascii('(a:Product {category: "Camera", price: {min: 10, max: 99.5}})'
                    '-[:CO_PURCHASED {min_weight: 2}]->(b)<-[:SUBSTITUTE|COMPLEMENT]-(c {brand: ["y", "x"]})')
    assert p.names == ("a", "b", "c")
    a = p.node("a")
    assert a.label == "Product"
    assert a.predicates == (Predicate("category", "eq", "Camera"), Predicate("price", "range", (10, 99.5)))
    assert p.node("c").predicates == (Predicate("brand", "in", ("x", "y")),)
    ab, cb = p.edges
    assert (ab.src, ab.dst, ab.types, ab.directed) == ("a", "b", ("CO_PURCHASED",), True)
    assert ab.predicates == (Predicate("weight", "range", (2, None)),)
    # an incoming edge is stored as the outgoing edge of the other node; types sorted
    assert (cb.src, cb.dst, cb.types, cb.directed) == ("c", "b", ("COMPLEMENT", "SUBSTITUTE"), True)


def test_ascii_undirected_untyped_and_reuse():
    p = parse_ascii("(a)--(b), (b)-[:CO_VIEWED]-(a), (c:Category {path: 'Photo/Lenses'})<-[:IN_CATEGORY]-(a)")
    assert [e.directed for e in p.edges] == [False, False, True]
    assert p.edges[0].types == tuple(sorted(DEFAULT_EDGE_TYPES))
    assert p.node("c").label == "Category"
    assert p.edges[2].src == "a" and p.edges[2].dst == "c"


def test_single_value_in_becomes_eq_and_anonymous_nodes():
    p = parse_ascii('(a {category: ["Lens", "Lens"]})-[:CO_PURCHASED]->()')
    assert p.node("a").predicates == (Predicate("category", "eq", "Lens"),)
    assert p.names == ("a", "_1")


def test_spec_and_ascii_agree():
    spec = {"nodes": {"a": {"where": {"category": "Camera"}}, "b": {"label": "Product"}},
            "edges": [{"from": "b", "to": "a", "type": "CO_PURCHASED", "direction": "in", "min_weight": 2}]}
    from_spec = pattern_from_spec(spec)
    from_ascii = parse_ascii('(a {category: "Camera"})-[:CO_PURCHASED {min_weight: 2}]->(b)')
    assert from_spec == from_ascii
    assert parse_pattern(json.dumps(spec)) == from_spec
    yaml_text = "nodes:\n  a: {where: {category: Camera}}\n  b: {}\nedges:\n  - {from: a, to: b, type: CO_PURCHASED, min_weight: 2}\n"
    assert parse_pattern(yaml_text) == from_spec


@pytest.mark.parametrize("text", [
    '(a:Product {category: "Cam\\"era", price: {min: -1.5e2}, ok: true})-[:CO_PURCHASED|CO_VIEWED]-(b)',
    "(a)-[:PREDICTED {type: 'COMPLEMENT', score: {min: 0.8}}]->(b), (b)-[:CO_PURCHASED]->(c), (c)-[:CO_PURCHASED]->(a)",
    "(x {sku: [\"p1\", \"p2\", 3]})<-[:ALSO_BOUGHT]-(y)",
])
def test_format_round_trips(text):
    p = parse_ascii(text)
    assert pattern_to_spec(parse_ascii(format_ascii(p))) == pattern_to_spec(p)
    assert pattern_to_spec(pattern_from_spec(pattern_to_spec(p))) == pattern_to_spec(p)


BAD = [
    ("(a)-[:FOO]->(b)", "unknown relationship type 'FOO'"),
    ("(a)-[:co_purchased]->(b)", "not a valid name"),
    ("(a:Person)-[:CO_PURCHASED]->(b)", "unknown label 'Person'"),
    ("(a)-[:CO_PURCHASED]->(b), (c)-[:CO_PURCHASED]->(d)", "not connected"),
    ("(a), (b)", "not connected"),
    ("(a)-[:CO_PURCHASED]->(a)", "two different nodes"),
    ("(a {`x`: 1})-[:CO_PURCHASED]->(b)", "property name"),
    ("(a {Category: 1})-[:CO_PURCHASED]->(b)", "property name"),
    ("(a {category: 1}) RETURN 1 //-[:CO_PURCHASED]->(b)", "column"),
    ("(a) MATCH (n) DETACH DELETE n", "column"),
    ('(a {category: "x"}) WITH 1 AS x MATCH (b)', "column"),
    ("(a)-[:CO_PURCHASED]->(b) DELETE a", "column"),
    ("(a})-[:CO_PURCHASED]->(b)", "column"),
    ("(a:Product:Category)-[:CO_PURCHASED]->(b)", "one label"),
    ("(a)-[:CO_PURCHASED`]->(a2)", "column"),
    ("(a)-[:CO_PURCHASED*1..3]->(b)", "variable-length"),
    ("(a)-[r:CO_PURCHASED]->(b)", "relationship variables"),
    ("(a)<-[:CO_PURCHASED]->(b)", "both ways"),
    ("(a {price: {min: 5, max: 1}})-->(b)", "greater than max"),
    ("(a {price: {}})-->(b)", "needs min or max"),
    ("(a {price: {min: 'x'}})-->(b)", "not a number"),
    ("(a {price: {gt: 1}})-->(b)", "unknown operator"),
    ("(a {category: []})-->(b)", "empty list"),
    ("(a {category: null})-->(b)", "not a value"),
    ("(a {category: Camera})-->(b)", "quote strings"),
    ("(a {x: 1, x: 2})-->(b)", "given twice"),
    ("(a {x: 1})-->(b), (a {y: 2})-->(c)", "given twice"),
    ("(a:Product)-->(b), (a:Category)-->(c)", "two labels"),
    ("(a)-[:CO_PURCHASED {min_weight: 1, weight: 2}]->(b)", "either weight or min_weight"),
    ("(a)-[:CO_PURCHASED]->(b\u00e9)", "column"),
    ("(a1234567890123456789012345678901234)-->(b)", "not allowed"),
    ("(" * 3000, "longer than"),
    ("", "empty pattern"),
    ("nodes: [", "neither"),
    ('{"nodes": {"a": {}}, "edges": [], "return": "x"}', "unknown key"),
    ('{"nodes": {"a b": {}}}', "not allowed"),
    ('{"nodes": {"a": {"label": "Product) DETACH DELETE (x"}}}', "not a valid name"),
    ('{"nodes": {"a": {}, "b": {}}, "edges": [{"from": "a", "to": "b", "type": "X]->() DELETE n//"}]}',
     "not a valid name"),
    ('{"nodes": {"a": {}, "b": {}}, "edges": [{"from": "a", "to": "c", "type": "CO_PURCHASED"}]}', "unknown node"),
    ('{"nodes": {"a": {}, "b": {}}, "edges": [{"from": "a", "to": "b", "direction": "up"}]}', "direction"),
    ('{"nodes": {"a": {"where": {"price": {"min": NaN}}}}}', "not a number"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_bad_patterns_raise_input_error(text, message):
    with pytest.raises(InputError) as err:
        parse_pattern(text)
    assert message in str(err.value)


def test_oversized_pattern():
    chain = "".join(f"(n{i})-[:CO_PURCHASED]->" for i in range(MAX_NODES)) + f"(n{MAX_NODES})"
    with pytest.raises(InputError, match=f"at most {MAX_NODES}"):
        parse_pattern(chain)
    ok = "".join(f"(n{i})-[:CO_PURCHASED]->" for i in range(MAX_NODES - 1)) + f"(n{MAX_NODES - 1})"
    assert len(parse_pattern(ok).nodes) == MAX_NODES


def test_values_never_reach_the_text():
    from relmine.motifs import compile_pattern

    evil = "x' }) MATCH (n) DETACH DELETE n //"
    p = parse_ascii('(a {category: "%s"})-[:CO_PURCHASED]->(b)' % evil.replace('"', '\\"'))
    c = compile_pattern(p)
    assert evil not in c.text and "DELETE" not in c.text
    assert evil in c.params.values()


@pytest.mark.parametrize("args,message", [
    (["match", "(a)-[:NOPE]->(b)"], "unknown relationship type"),
    (["match", "(a)-->(b), (c)-->(d)"], "not connected"),
    (["match", "@/nonexistent/pattern.yaml"], "does not exist"),
    (["motifs", "--kind", "no_such_motif"], "unknown motif kind"),
    (["motifs", "--run-id", "x"], "only used with --write"),
    (["motifs", "--param", "novalue"], "KEY=VALUE"),
    (["motifs", "--write", "--run-id", "bad id; DROP"], "not allowed"),
    (["similar-structure", "p1", "--k", "7"], "k must be"),
])
def test_cli_bad_input_is_a_clear_error(args, message, monkeypatch, tmp_path):
    monkeypatch.setenv("NEO4J_PASSWORD", "unused-in-this-test")
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_explain_prints_parameterised_cypher():
    result = CliRunner().invoke(cli, ["match", "--explain", '(a {category: "Camera"})-[:CO_PURCHASED]-(b)'])
    assert result.exit_code == 0, result.output
    assert "$p0" in result.output and "Camera" not in result.output.split("// params")[0]
    assert "automorphisms: 1" in result.output


def test_every_command_is_documented():
    for name in ("match", "motifs", "triangles", "wl-hash", "similar-structure"):
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert "Options:" in result.output
    from relmine.cli.motifs_cmd import match, motifs, similar_structure, triangles, wl_hash

    for cmd in (match, motifs, triangles, wl_hash, similar_structure):
        assert cmd.help
        for opt in cmd.params:
            if isinstance(opt, __import__("click").Option):
                assert opt.help, f"{cmd.name} {opt.name} has no help"
