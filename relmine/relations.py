"""Relationship types relmine reads and writes: a whitelist plus a strict name pattern.

Relationship types cannot be Cypher parameters; wherever one must appear in a
statement's text it comes from here, never raw from input.
"""

from __future__ import annotations

import re

from relmine.errors import InputError

# Observed product-product relations, in a fixed order: the index is the
# relation-type id the GNN sees (stable across runs and partitions).
OBSERVED = ("CO_PURCHASED", "ALSO_BOUGHT", "ALSO_VIEWED", "CO_VIEWED", "COMPLEMENT", "SUBSTITUTE", "RELATED")
# What each observed type says about two products, for recommendations and BI:
# bought together -> complement; viewed together (looked at instead) -> substitute.
KIND = {"CO_PURCHASED": "complement", "ALSO_BOUGHT": "complement", "COMPLEMENT": "complement",
        "CO_VIEWED": "substitute", "ALSO_VIEWED": "substitute", "SUBSTITUTE": "substitute",
        "RELATED": "related"}
WRITTEN = ("PREDICTED", "IN_CATEGORY", "SUBCATEGORY_OF", "CONTAINS", "IN_CLUSTER", "RETURNED_TOGETHER")
NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


def relationship_type(name: str) -> str:
    """Validate a relationship type name (upper snake case, at most 64 characters)."""
    cleaned = name.strip().upper().replace("-", "_").replace(" ", "_")
    if not NAME.match(cleaned):
        raise InputError(f"relationship type {name!r} is not a valid name (letters, digits, _; starting with a letter)")
    return cleaned


def observed_types(names: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """A validated subset of :data:`OBSERVED` (all of them by default)."""
    if not names:
        return list(OBSERVED)
    out = []
    for n in names:
        t = relationship_type(n)
        if t not in OBSERVED:
            raise InputError(f"unknown relation type {n!r}; known: {', '.join(OBSERVED)}")
        out.append(t)
    return out
