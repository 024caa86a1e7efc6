"""Helpers of the ingest integration tests: run an ingest, describe a graph exactly."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from relmine.gateway import Statement
from relmine.ingest import IngestOptions, ingest_file


def ingest(gw, path: Path, kind: str, tmp_path: Path, **opts):
    return ingest_file(gw, path, IngestOptions(kind=kind, progress=False, **opts), rejects_dir=tmp_path / "rejects")


def rows(gw, text: str, params: dict | None = None) -> list[dict]:
    return gw.read(Statement(text, "test"), params or {})


def one(gw, text: str, params: dict | None = None):
    found = rows(gw, text, params)
    return next(iter(found[0].values())) if found else None


def fingerprint(gw) -> dict:
    """Everything an ingest writes that a resumed or repeated run could get wrong, as plain data."""
    return {
        "labels": {r["l"]: r["n"] for r in rows(gw, "MATCH (n) UNWIND labels(n) AS l RETURN l, count(*) AS n")},
        "types": {r["t"]: r["n"] for r in rows(gw, "MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n")},
        "co_purchased": sorted(
            (r["a"], r["b"], r["count"], round(r["weight"], 9)) for r in rows(gw, (
                "MATCH (a:Product)-[r:CO_PURCHASED]->(b:Product) "
                "RETURN a.sku AS a, b.sku AS b, r.count AS count, r.weight AS weight"))),
        "order_counts": sorted((r["sku"], r["n"]) for r in rows(
            gw, "MATCH (p:Product) WHERE p.order_count IS NOT NULL RETURN p.sku AS sku, p.order_count AS n")),
        "contains": sorted((r["o"], r["p"], r["q"]) for r in rows(
            gw, "MATCH (o:Order)-[c:CONTAINS]->(p) RETURN o.id AS o, p.sku AS p, c.qty AS q")),
        "relations": sorted((r["a"], r["t"], r["b"], r["w"]) for r in rows(
            gw, "MATCH (a)-[r]->(b) WHERE NOT type(r) IN ['CO_PURCHASED', 'CONTAINS'] "
                "RETURN coalesce(a.sku, a.path) AS a, type(r) AS t, coalesce(b.sku, b.path) AS b, "
                "coalesce(r.weight, -1.0) AS w")),
        "stats": rows(gw, "MATCH (s:Stats) RETURN s.id AS id, s.n_orders AS n, s.n_order_lines AS lines"),
    }


def snap_slice(src: Path, dst: Path, n_edges: int) -> Path:
    """The SNAP header and the first ``n_edges`` edge lines of ``src``, gzip, CRLF kept."""
    kept = 0
    with gzip.open(src, "rb") as fin, gzip.open(dst, "wb") as fout:
        for raw in fin:
            if not raw.startswith(b"#"):
                if kept >= n_edges:
                    break
                kept += 1
            fout.write(raw)
    return dst


def child_env(settings) -> dict:
    """The environment of a ``relmine`` child process talking to the test server."""
    env = dict(os.environ)
    env.update({"NEO4J_URI": settings.neo4j_uri, "NEO4J_USER": settings.neo4j_user,
                "NEO4J_PASSWORD": settings.neo4j_password, "NEO4J_DATABASE": settings.neo4j_database})
    return env


def source(gw, name: str) -> dict | None:
    """The ``(:Source)`` of a file: cursor, phase and status (None before the ingest records it)."""
    found = rows(gw, "MATCH (s:Source {file: $f}) RETURN s.cursor AS cursor, s.phase AS phase, s.status AS status",
                 {"f": name})
    return found[0] if found else None


def sigkill_in_phase(gw, cmd: list[str], env: dict, name: str, phase: str, *, batches: int = 3,
                     timeout: float = 240) -> dict:
    """Run ``cmd`` (a ``relmine ingest``), SIGKILL it once ``batches`` batches of ``phase`` committed;
    returns the file's ``(:Source)`` as the kill left it."""
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    start_cursor = None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if child.poll() is not None:
                pytest.fail(f"the ingest ended before it could be killed:\n{child.stdout.read().decode()}")
            src = source(gw, name)
            if src and src["phase"] == phase:
                start_cursor = src["cursor"] if start_cursor is None else start_cursor
                if src["cursor"] >= start_cursor + batches:
                    break
            time.sleep(0.02)
        else:
            pytest.fail(f"phase {phase} not reached in time")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return source(gw, name)
