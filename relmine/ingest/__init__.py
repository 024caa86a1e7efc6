"""Relation graph construction: catalogues, Amazon metadata, edge lists, orders and baskets -> Neo4j.

``ingest_file(gateway, path, IngestOptions(kind=...), rejects_dir=...)`` reads and
validates a whole file, then writes it in batches that commit together with
the progress of its ``(:Source)`` record (idempotent, resumable after a kill).
``generate(...)`` writes a synthetic catalogue and orders with planted relations.
"""

from relmine.ingest.options import KINDS, IngestOptions
from relmine.ingest.parsed import Counts, IngestReport
from relmine.ingest.load import graph_stats, ingest_file

__all__ = ["KINDS", "Counts", "IngestOptions", "IngestReport", "graph_stats", "ingest_file"]
