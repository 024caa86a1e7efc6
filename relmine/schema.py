"""Apply ``cypher/schema/`` (idempotent) and describe the schema."""

from __future__ import annotations

from dataclasses import dataclass

from relmine import cypher
from relmine.gateway import Gateway


@dataclass(frozen=True)
class SchemaItem:
    kind: str
    name: str
    type: str
    entity: list[str]
    properties: list[str]


def apply_schema(gw: Gateway) -> list[SchemaItem]:
    """Run every statement of ``cypher/schema/`` (each ``IF NOT EXISTS``), wait for indexes."""
    for name in cypher.names("schema"):
        gw.write(name)
    gw.write("admin/await_indexes")
    return describe_schema(gw)


def empty_graph(gw: Gateway) -> None:
    """Delete every node and relationship (the schema stays): relationships first, in bounded
    batches, since a DETACH DELETE batch of dense products (after an order file) outgrows
    ``db.memory.transaction.max``. For tests and benchmarks; no command calls it."""
    gw.write_autocommit("admin/delete_relationships")
    gw.write_autocommit("admin/delete_nodes")


def describe_schema(gw: Gateway) -> list[SchemaItem]:
    return gw.read_as(SchemaItem, "admin/show_schema")

