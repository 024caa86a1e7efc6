"""Run compiled patterns against Neo4j: stream matches, or count them.

Every query runs with a transaction timeout (``timeout`` seconds, enforced by
the server) and, when it returns rows, a ``LIMIT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from relmine.errors import InputError, QueryError
from relmine.gateway import Gateway
from relmine.motifs.compiler import CompiledPattern, compile_pattern
from relmine.motifs.pattern import Pattern

DEFAULT_LIMIT = 100
MAX_LIMIT = 1_000_000
DEFAULT_TIMEOUT_S = 60.0
MAX_TIMEOUT_S = 3600.0


@dataclass(frozen=True)
class MatchCount:
    """``subgraphs``: distinct subgraphs (embeddings up to automorphism); ``embeddings`` = subgraphs x automorphisms."""

    subgraphs: int
    embeddings: int
    automorphisms: int


def check_limits(limit: int | None, timeout: float | None) -> None:
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT):
        raise InputError(f"limit must be an integer from 1 to {MAX_LIMIT:,}, not {limit!r}")
    if timeout is not None and not (0 < timeout <= MAX_TIMEOUT_S):
        raise InputError(f"timeout must be more than 0 and at most {MAX_TIMEOUT_S:.0f} seconds, not {timeout!r}")


def _run(gw: Gateway, compiled: CompiledPattern, params: dict, timeout: float) -> list[dict]:
    try:
        return gw.read(compiled.statement, params, timeout=timeout)
    except QueryError as exc:
        if "TimedOut" in str(exc) or "Terminated" in str(exc):
            raise QueryError(f"pattern query stopped at its time limit of {timeout:g}s; "
                             "narrow the pattern (labels, properties) or raise the timeout") from exc
        raise


def find_matches(gw: Gateway, pattern: Pattern, *, limit: int = DEFAULT_LIMIT, induced: bool = False,
                 embeddings: bool = False, timeout: float = DEFAULT_TIMEOUT_S) -> list[dict[str, str]]:
    """Matches as ``{pattern node name: node key}`` (key: sku, else path, else id, else elementId).

    By default one row per distinct subgraph (symmetry broken); ``embeddings=True``
    lists every embedding (each subgraph once per automorphism).
    """
    check_limits(limit, timeout)
    compiled = compile_pattern(pattern, induced=induced, symmetry=not embeddings)
    rows = _run(gw, compiled, {**compiled.params, "limit": limit}, timeout)
    return [dict(zip(compiled.names, row["m"])) for row in rows]


def count_matches(gw: Gateway, pattern: Pattern, *, induced: bool = False,
                  timeout: float = DEFAULT_TIMEOUT_S) -> MatchCount:
    """Count distinct subgraphs with one symmetry-broken ``count(*)`` query."""
    check_limits(None, timeout)
    compiled = compile_pattern(pattern, induced=induced, count=True)
    n = _run(gw, compiled, compiled.params, timeout)[0]["n"]
    return MatchCount(n, n * compiled.automorphisms, compiled.automorphisms)


def count_embeddings(gw: Gateway, pattern: Pattern, *, induced: bool = False,
                     timeout: float = DEFAULT_TIMEOUT_S) -> int:
    """Count embeddings directly (no symmetry breaking); for checks, ``count_matches`` is cheaper."""
    check_limits(None, timeout)
    compiled = compile_pattern(pattern, induced=induced, symmetry=False, count=True)
    return _run(gw, compiled, compiled.params, timeout)[0]["n"]
