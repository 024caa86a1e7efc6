"""What an ingest is told: :class:`IngestOptions` (what a reader returns lives in
:mod:`relmine.ingest.parsed`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relmine.ingest import returns as _returns

if TYPE_CHECKING:
    from relmine.ingest.parsed import Counts

RETURN_DEFAULTS: dict[str, Any] = {
    "cancel_pattern": _returns.CANCEL_PATTERN, "return_kinds": _returns.RETURN_KINDS,
    "service_codes": _returns.SERVICE_CODES, "service_pattern": _returns.SERVICE_TEXT,
    "service_share": _returns.SERVICE_SHARE,
}
KINDS = ("catalog", "amazon-meta", "edges", "orders", "baskets")


@dataclass(frozen=True)
class IngestOptions:
    """How to read one file. The fields marked *identity* name the source: the same file
    read with the same identity options is the same :class:`Source` (re-ingest is a no-op)."""

    kind: str                                   # identity: one of KINDS
    format: str | None = None                   # identity: csv|tsv|jsonl|text; None: from the extension
    encoding: str = "utf-8"                     # identity
    columns: dict[str, str] = field(default_factory=dict)  # identity: field -> column name
    category_sep: str = ">"                     # identity: separator of category paths (catalog)
    relation_type: str = "RELATED"              # identity: type of edges without a type column
    allow_types: tuple[str, ...] = ()           # identity: extra relation types (strict name pattern)
    sku_prefix: str = ""                        # identity: prepended to every sku read
    keep_external: bool = False                 # identity: amazon-meta links to products not in the file
    order_prefix: str | None = None             # identity: baskets' order ids; None: from the checksum
    date_format: str | None = None              # identity: strptime layout of order times; None: ISO 8601
    batch_size: int = 20_000                    # rows per transaction (fixed per source at its first run)
    chunk_mb: float = 16.0                      # orders: input MB grouped in memory at a time (fixed per source)
    max_rejects: int = 1_000                    # rejects allowed whatever the file's size …
    max_reject_rate: float = 0.01               # … or this share of the rows read, whichever is larger
    rejects_path: Path | None = None            # where rejected rows go; None: $RELMINE_HOME/rejects/
    progress: bool = True
    sheet: str | None = None                    # identity: xlsx sheet to read; None: every sheet
    # orders only (see relmine.ingest.returns), all identity:
    cancel_pattern: str = RETURN_DEFAULTS["cancel_pattern"]      # order ids of cancellations; "" off
    return_kinds: str = RETURN_DEFAULTS["return_kinds"]          # kind/status values of returns; "" off
    service_codes: str = RETURN_DEFAULTS["service_codes"]        # skus of service lines; "" off
    service_pattern: str = RETURN_DEFAULTS["service_pattern"]    # descriptions of service lines; "" off
    service_share: float = RETURN_DEFAULTS["service_share"]      # share of orders (no category) -> service
    keep_service_lines: bool = False

    def identity(self) -> dict[str, Any]:
        out = {
            "kind": self.kind, "format": self.format, "encoding": self.encoding.lower(),
            "columns": dict(sorted(self.columns.items())), "category_sep": self.category_sep,
            "relation_type": self.relation_type, "allow_types": sorted(self.allow_types),
            "sku_prefix": self.sku_prefix, "keep_external": self.keep_external,
            "order_prefix": self.order_prefix,
            **({"date_format": self.date_format} if self.date_format else {}),
        }
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.kind == "orders":  # the others never read these (source ids of other kinds unchanged)
            out.update({"cancel_pattern": self.cancel_pattern, "return_kinds": self.return_kinds,
                        "service_codes": self.service_codes, "service_pattern": self.service_pattern,
                        "service_share": self.service_share, "keep_service_lines": self.keep_service_lines})
        return out

    def reject_limit(self, read: int) -> int:
        """Rejected rows a file of ``read`` rows may have: ``max(--max-rejects, --max-reject-rate × read)``."""
        return max(self.max_rejects, int(self.max_reject_rate * read))

    def too_many_rejects(self, counts: "Counts") -> bool:
        """Stop, write nothing: more rejects than :meth:`reject_limit`, or every row was rejected (a wrong
        mapping: nothing would be written anyway)."""
        if counts.rejected > self.reject_limit(counts.read):
            return True
        return counts.rejected > 0 and counts.accepted == 0 and counts.duplicates == 0

    def source_id(self, sha256: str) -> str:
        """``sha256(file checksum + kind + identity options)``: the key of the :Source node."""
        blob = json.dumps({"sha256": sha256, **self.identity()}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()
