"""Foundation against the real services: Neo4j 5.26 + GDS, RabbitMQ, real worker processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from relmine.gateway import Statement
from relmine.schema import apply_schema, describe_schema
from tests.conftest import wipe

pytestmark = pytest.mark.integration


def test_cypher_round_trip(clean_graph):
    gw = clean_graph
    summary = gw.write(Statement("CREATE (p:Product {sku: $sku, price: $price}) RETURN p.sku AS sku", "t/create"),
                       {"sku": "A-1", "price": 9.5})
    assert summary.nodes_created == 1 and summary.records == ({"sku": "A-1"},)
    rows = gw.read(Statement("MATCH (p:Product {sku: $sku}) RETURN p.sku AS sku, p.price AS price", "t/read"),
                   {"sku": "A-1"})
    assert rows == [{"sku": "A-1", "price": 9.5}]


def test_server_is_5_26_with_gds_2_13(gateway):
    assert gateway.server_version().startswith("5.26")
    assert gateway.read_one("admin/gds_version")["version"].startswith("2.13")
    assert gateway.read_one("admin/vector_index_support")["supported"] is True


def test_gds_algorithm_on_tiny_projection(clean_graph):
    gw = clean_graph
    wipe(gw)
    gw.write(Statement(
        "UNWIND $pairs AS p MERGE (a:Product {sku: p[0]}) MERGE (b:Product {sku: p[1]}) "
        "MERGE (a)-[:CO_PURCHASED {count: 1}]->(b)", "t/tiny"),
        {"pairs": [["a", "b"], ["b", "c"], ["c", "a"], ["x", "y"], ["y", "z"], ["z", "x"], ["c", "x"]]})
    gw.write(Statement("CALL gds.graph.project('tiny', 'Product', {CO_PURCHASED: {orientation: 'UNDIRECTED'}}) "
                       "YIELD graphName RETURN graphName", "t/project"))
    try:
        rows = gw.read(Statement("CALL gds.triangleCount.stream('tiny') YIELD nodeId, triangleCount "
                                 "RETURN gds.util.asNode(nodeId).sku AS sku, triangleCount ORDER BY sku", "t/tc"))
        counts = {r["sku"]: r["triangleCount"] for r in rows}
        assert counts == {"a": 1, "b": 1, "c": 1, "x": 1, "y": 1, "z": 1}
        louvain = gw.read(Statement("CALL gds.louvain.stream('tiny') YIELD nodeId, communityId "
                                    "RETURN gds.util.asNode(nodeId).sku AS sku, communityId", "t/louvain"))
        comm = {r["sku"]: r["communityId"] for r in louvain}
        assert comm["a"] == comm["b"] == comm["c"] and comm["x"] == comm["y"] == comm["z"]
        assert comm["a"] != comm["x"]
    finally:
        gw.write(Statement("CALL gds.graph.drop('tiny') YIELD graphName RETURN graphName", "t/drop"))


def test_init_twice_gives_same_schema(clean_graph):
    first = apply_schema(clean_graph)
    second = apply_schema(clean_graph)
    assert first == second
    assert {"product_sku", "category_path", "order_id", "run_id"} <= {i.name for i in first}
    assert describe_schema(clean_graph) == first


def test_query_errors_are_domain_errors(gateway):
    from relmine.errors import QueryError

    with pytest.raises(QueryError, match="t/bad"):
        gateway.read(Statement("MATCH (n RETURN n", "t/bad"))


def _run_cli(args, env, timeout=120):
    return subprocess.run([sys.executable, "-m", "relmine.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("broker", ["amqp", "filesystem"])
def test_ping_through_real_worker(broker, worker_factory, request):
    url = request.getfixturevalue("amqp_url") if broker == "amqp" else None
    worker = worker_factory(url)
    result = _run_cli(["ping", "--queue", "mine", "--timeout", "90"], worker.client_env())
    assert result.returncode == 0, result.stdout + result.stderr + worker.output()[-3000:]
    assert result.stdout.startswith("pong ")
    assert f"pid {worker.proc.pid}" in result.stdout  # solo pool: the worker process itself answered
    assert "via mine" in result.stdout


def test_doctor_all_green(worker_factory, amqp_url):
    worker = worker_factory(amqp_url)
    _run_cli(["ping", "--timeout", "90"], worker.client_env())  # wait for the worker to be consuming
    result = _run_cli(["doctor", "--worker-timeout", "60"], worker.client_env())
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[2:] if line.strip()}
    for check in ("neo4j", "gds", "broker", "worker", "torch"):
        assert check in lines and lines[check].split()[1] == "ok", result.stdout
    assert "5.26" in lines["neo4j"] and "2.13" in lines["gds"]


def test_doctor_fails_with_fix_when_neo4j_is_unreachable(tmp_path):
    env = {**os.environ, "NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x", "RELMINE_HOME": str(tmp_path)}
    env.pop("RELMINE_BROKER_URL", None)
    result = _run_cli(["doctor", "--worker-timeout", "2"], env)
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "relmine neo4j start" in result.stdout


def test_local_server_start_is_idempotent(neo4j_settings):
    if os.environ.get("NEO4J_URI"):
        pytest.skip("NEO4J_URI points at an external server")
    from relmine.server import LocalNeo4j

    server = LocalNeo4j(neo4j_settings)
    before = server.status()
    after = server.start()
    assert before.running and after.running and before.pid == after.pid
    conf = (server.conf_dir / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf and "dbms.security.auth_enabled=true" in conf
    assert oct(server.password_file.stat().st_mode & 0o777) == "0o600"


def test_mine_queue_runs_rules_through_real_worker(clean_graph, worker_factory, amqp_url):
    """The `mine` queue: association rules computed by a worker process and written to the graph."""
    wipe(clean_graph)
    clean_graph.write(Statement(
        "UNWIND $baskets AS b MERGE (o:Order {id: b.id}) WITH o, b UNWIND b.items AS sku "
        "MERGE (p:Product {sku: sku}) MERGE (o)-[:CONTAINS {qty: 1}]->(p)", "t/baskets"),
        {"baskets": [{"id": f"o{i}", "items": ["bread", "butter"] if i % 2 else ["bread", "jam", "butter"]}
                     for i in range(20)]})
    worker = worker_factory(amqp_url)
    code = ("import json; from relmine.workers.tasks import mine_rules; "
            "print(json.dumps(mine_rules.apply_async(args=[{'min_support': 0.2, 'min_confidence': 0.5, "
            "'levels': ['product'], 'run': 'rules-q'}], queue='mine').get(timeout=120)))")
    result = subprocess.run([sys.executable, "-c", code], env=worker.client_env(), capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr + worker.output()[-3000:]
    assert '"run": "rules-q"' in result.stdout
    rules = clean_graph.read(Statement("MATCH (r:Rule {run: 'rules-q'}) RETURN count(r) AS n", "t/rules"))
    assert rules[0]["n"] > 0
