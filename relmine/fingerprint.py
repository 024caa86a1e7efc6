"""A graph fingerprint: counts per label and relationship type and an order-independent digest of every
node's and relationship's properties (``cypher/admin/fingerprint_*``). Two graphs with the same
fingerprint hold the same nodes, labels, relationships (by their ends' keys) and property values, up to
the run-specific properties in :data:`RUN_SPECIFIC` (which differ between two runs of the same ingest).

The digest is the sum, modulo 2**256, of the sha256 of each element's canonical text: a multiset hash,
so the graph is streamed once in any order with constant memory."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from relmine.gateway import Gateway

#: Properties that differ between two runs of the same ingest: the ingest's nonce (``s.nonce``, ``o.ingest``),
#: its wall-clock times, and the marker of a bulk load.
RUN_SPECIFIC = ("nonce", "ingest", "started_at", "finished_at", "updated_at", "bulk")
_MOD = 1 << 256


@dataclass
class Fingerprint:
    labels: dict[str, int] = field(default_factory=dict)
    types: dict[str, int] = field(default_factory=dict)
    digest: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"labels": dict(sorted(self.labels.items())), "types": dict(sorted(self.types.items())),
                "digest": self.digest}


def _value(v: Any) -> Any:
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return [_value(x) for x in v]
    if isinstance(v, (str, int, bool)) or v is None:
        return v
    return f"{type(v).__name__}:{v.iso_format() if hasattr(v, 'iso_format') else v}"


def _h(obj: Any) -> int:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def fingerprint(gw: Gateway, skip: tuple[str, ...] = RUN_SPECIFIC) -> Fingerprint:
    fp = Fingerprint()
    total = 0
    for row in gw.stream("admin/fingerprint_nodes", {"skip": list(skip)}):
        labels = sorted(row["labels"])
        for label in labels:
            fp.labels[label] = fp.labels.get(label, 0) + 1
        props = sorted((k, _value(v)) for k, v in row["props"])
        total = (total + _h(["n", labels, props])) % _MOD
    for row in gw.stream("admin/fingerprint_relationships", {"skip": list(skip)}):
        fp.types[row["type"]] = fp.types.get(row["type"], 0) + 1
        props = sorted((k, _value(v)) for k, v in row["props"])
        total = (total + _h(["r", row["type"], sorted(row["a_labels"]), row["a"], sorted(row["b_labels"]), row["b"],
                             props])) % _MOD
    fp.digest = f"{total:064x}"
    return fp


def element_lines(gw: Gateway, skip: tuple[str, ...] = RUN_SPECIFIC) -> list[str]:
    """Every element's canonical text, sorted: to show where two graphs differ (small graphs; tests)."""
    out = []
    for row in gw.stream("admin/fingerprint_nodes", {"skip": list(skip)}):
        out.append(json.dumps(["n", sorted(row["labels"]), sorted((k, _value(v)) for k, v in row["props"])],
                              sort_keys=True, ensure_ascii=False))
    for row in gw.stream("admin/fingerprint_relationships", {"skip": list(skip)}):
        out.append(json.dumps(["r", row["type"], row["a"], row["b"], sorted((k, _value(v)) for k, v in row["props"])],
                              sort_keys=True, ensure_ascii=False))
    return sorted(out)
