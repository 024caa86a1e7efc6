"""The Neo4j gateway: the one owner of the driver.

Everything above it runs named statements (``cypher/<group>/<name>.cypher``)
or a :class:`Statement` built by a compiler (the pattern matcher), always with
``$parameters``. The gateway picks READ/WRITE routing, lets the driver retry
what it calls retryable (transaction functions), tags every transaction with
metadata so it shows up in Neo4j's query log, and turns driver errors into
relmine's few domain errors. Results come back as plain dicts, or as
dataclasses through :meth:`Gateway.read_as`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import neo4j
from neo4j import GraphDatabase, unit_of_work
from neo4j.exceptions import AuthError, ClientError, ConfigurationError, Neo4jError, ServiceUnavailable

from relmine import cypher
from relmine.config import Settings, redact_text, redact_url
from relmine.errors import GraphUnavailable, QueryError

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Statement:
    """A statement text and a name for the query log (compiled or loaded)."""

    text: str
    name: str = "inline"

    @classmethod
    def named(cls, name: str) -> "Statement":
        return cls(cypher.load(name), name)


@dataclass(frozen=True)
class WriteSummary:
    """What a write changed, from the driver's counters, plus returned rows."""

    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    labels_added: int = 0
    records: tuple[dict, ...] = ()

    def __add__(self, other: "WriteSummary") -> "WriteSummary":
        vals = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
            if f.name != "records"
        }
        return WriteSummary(**vals, records=self.records + other.records)


def _as_statement(stmt: str | Statement) -> Statement:
    return stmt if isinstance(stmt, Statement) else Statement.named(stmt)


class Gateway:
    """Owns one :class:`neo4j.Driver`. Use as a context manager or call :meth:`close`."""

    def __init__(self, settings: Settings, *, app: str = "relmine", driver: neo4j.Driver | None = None):
        self.settings = settings
        self.database = settings.neo4j_database
        self.app = app
        if driver is None:
            try:
                driver = GraphDatabase.driver(
                    settings.neo4j_uri,
                    auth=(settings.neo4j_user, settings.neo4j_password),
                    max_transaction_retry_time=30.0,
                    connection_acquisition_timeout=60.0,
                    # "property key does not exist" and the like are noise for written-back
                    # properties that appear later; real errors still raise.
                    notifications_min_severity="OFF",
                )
            except (ValueError, ConfigurationError) as exc:
                # The driver's message repeats the URI, password included: say it redacted,
                # and drop the chained exception so no traceback shows it either.
                raise GraphUnavailable(
                    f"bad NEO4J_URI {redact_url(settings.neo4j_uri)!r}: {redact_text(str(exc))} "
                    "(put the user in NEO4J_USER and the password in NEO4J_PASSWORD, not in the URI)"
                ) from None
        self._driver = driver

    @property
    def uri(self) -> str:
        """The Bolt URI as it may be shown (no password)."""
        return redact_url(self.settings.neo4j_uri)

    # -- lifecycle -----------------------------------------------------------
    def __enter__(self) -> "Gateway":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._driver.close()

    def verify(self) -> None:
        """Raise :class:`GraphUnavailable` unless Neo4j answers with these credentials."""
        try:
            self._driver.verify_connectivity()
        except AuthError as exc:
            raise GraphUnavailable(
                f"Neo4j at {self.uri} refused the credentials of user "
                f"{self.settings.neo4j_user!r} (check NEO4J_PASSWORD / the password file)"
            ) from exc
        except (ServiceUnavailable, OSError) as exc:
            raise GraphUnavailable(
                f"Neo4j is not reachable at {self.uri}; "
                "start the local server with `relmine neo4j start` or set NEO4J_URI"
            ) from exc

    # -- reads ---------------------------------------------------------------
    def read(self, stmt: str | Statement, params: dict[str, Any] | None = None, *,
             timeout: float | None = DEFAULT_TIMEOUT_S, raw: bool = False) -> list[dict[str, Any]]:
        """Run a read statement; every record as a dict.

        ``raw=True`` keeps the driver's values as they are instead of
        ``record.data()``, which walks every element of every list to turn
        nodes and relationships into dicts: 1.8 s of 2.2 s for a page of
        40,000 products' neighbour ids. For columnar statements that return
        scalars and lists of scalars only.
        """
        st = _as_statement(stmt)
        return self._execute(neo4j.READ_ACCESS, st, params or {}, timeout,
                             _raw_records if raw else _collect_records)

    def read_one(self, stmt: str | Statement, params: dict[str, Any] | None = None, **kw) -> dict[str, Any] | None:
        rows = self.read(stmt, params, **kw)
        return rows[0] if rows else None

    def read_as(self, cls: Callable[..., T], stmt: str | Statement,
                params: dict[str, Any] | None = None, **kw) -> list[T]:
        """Records mapped onto a dataclass (columns named as its fields)."""
        return [cls(**row) for row in self.read(stmt, params, **kw)]

    def stream(self, stmt: str | Statement, params: dict[str, Any] | None = None, *,
               timeout: float | None = DEFAULT_TIMEOUT_S, fetch_size: int = 10_000) -> Iterator[dict[str, Any]]:
        """Stream a large read lazily (one auto-commit transaction; no retry)."""
        st = _as_statement(stmt)
        query = neo4j.Query(st.text, metadata=self._metadata(st), timeout=timeout)
        try:
            with self._driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS,
                                      fetch_size=fetch_size) as session:
                for record in session.run(query, bulk_params(params or {})):
                    yield record.data()
        except Neo4jError as exc:
            raise _query_error(st, exc) from exc
        except (ServiceUnavailable, OSError) as exc:
            raise GraphUnavailable(f"lost Neo4j while streaming {st.name}: {redact_text(str(exc))}") from exc

    # -- writes --------------------------------------------------------------
    def write(self, stmt: str | Statement, params: dict[str, Any] | None = None, *,
              timeout: float | None = DEFAULT_TIMEOUT_S) -> WriteSummary:
        """Run a write statement in one retryable transaction; counters and records."""
        st = _as_statement(stmt)
        return self._execute(neo4j.WRITE_ACCESS, st, params or {}, timeout, _summarise)

    def write_batches(self, stmt: str | Statement, rows: Iterable[dict[str, Any]], *,
                      batch_size: int = 10_000, key: str = "rows",
                      extra: dict[str, Any] | None = None,
                      on_batch: Callable[[int, WriteSummary], None] | None = None) -> WriteSummary:
        """``UNWIND $rows`` in batches, one transaction per batch."""
        total = WriteSummary()
        for batch in chunks(rows, batch_size):
            summary = self.write(stmt, {**(extra or {}), key: batch})
            total = total + WriteSummary(**{**summary.__dict__, "records": ()})
            if on_batch is not None:
                on_batch(len(batch), summary)
        return total

    def write_autocommit(self, stmt: str | Statement, params: dict[str, Any] | None = None, *,
                         timeout: float | None = None) -> WriteSummary:
        """A statement that manages its own transactions (``CALL { } IN TRANSACTIONS``).

        Runs in an auto-commit transaction, which the driver does not retry:
        such statements must be idempotent (re-running them is the retry).
        """
        st = _as_statement(stmt)
        query = neo4j.Query(st.text, metadata=self._metadata(st), timeout=timeout)
        return self._with_session(neo4j.WRITE_ACCESS, st.name,
                                  lambda session: _summarise(session.run(query, bulk_params(params or {}))))

    def run_in_transaction(self, fn: Callable[[neo4j.ManagedTransaction], T], *, write: bool = True,
                           name: str = "transaction", timeout: float | None = DEFAULT_TIMEOUT_S) -> T:
        """Several statements in one retryable transaction; ``fn`` may be called again on retry."""
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        work = unit_of_work(metadata={"app": self.app, "statement": name}, timeout=timeout)(_memory_not_retried(fn))
        return self._with_session(mode, name, lambda s: (s.execute_write if write else s.execute_read)(work))

    # -- server facts --------------------------------------------------------
    def server_version(self) -> str:
        row = self.read("admin/server_version")
        return row[0]["v"]

    # -- internals -----------------------------------------------------------
    def _metadata(self, st: Statement) -> dict[str, str]:
        return {"app": self.app, "statement": st.name}

    def _execute(self, mode: str, st: Statement, params: dict[str, Any], timeout: float | None,
                 consume: Callable[[neo4j.Result], T]) -> T:
        @unit_of_work(metadata=self._metadata(st), timeout=timeout)
        @_memory_not_retried
        def work(tx: neo4j.ManagedTransaction) -> T:
            return consume(tx.run(st.text, bulk_params(params)))

        def in_session(session: neo4j.Session) -> T:
            runner = session.execute_write if mode == neo4j.WRITE_ACCESS else session.execute_read
            return runner(work)

        return self._with_session(mode, st.name, in_session)

    def _with_session(self, mode: str, name: str, fn: Callable[[neo4j.Session], T]) -> T:
        try:
            with self._driver.session(database=self.database, default_access_mode=mode) as session:
                return fn(session)
        except AuthError as exc:
            raise GraphUnavailable(f"Neo4j refused the credentials of {self.settings.neo4j_user!r}") from exc
        except ServiceUnavailable as exc:
            raise GraphUnavailable(f"Neo4j is not reachable at {self.uri} ({name})") from exc
        except _OverMemory as over:
            raise _query_error(Statement("", name), over.error) from over.error
        except Neo4jError as exc:
            raise _query_error(Statement("", name), exc) from exc


MEMORY_ERROR = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"


class _OverMemory(Exception):
    """A statement over Neo4j's transaction memory limit, carried past the driver's retry loop.

    The driver counts ``MemoryPoolOutOfMemoryError`` as transient and would run the same statement
    again for up to ``max_transaction_retry_time``; it needs less work, not another try."""

    def __init__(self, error: Neo4jError):
        super().__init__(error.message)
        self.error = error


def _memory_not_retried(fn: Callable[..., T]) -> Callable[..., T]:
    def run(tx: neo4j.ManagedTransaction, *args: Any, **kwargs: Any) -> T:
        try:
            return fn(tx, *args, **kwargs)
        except Neo4jError as exc:
            if exc.code == MEMORY_ERROR:
                raise _OverMemory(exc) from exc
            raise

    return run


class _Bulk(list):
    """A list parameter with a short ``repr``.

    The driver formats each RUN message's parameters with ``repr`` for a
    debug log line even when debug logging is off (neo4j 6.x,
    ``_bolt5.py`` ``run``). For a batch of 7,650 embeddings of 64 floats
    that took 0.58 s of the call's 0.63 s, nine times the cost of packing
    and sending the batch. Packing treats it as the list it is.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} items>"


def bulk_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters with every long list as a :class:`_Bulk` (pass this to a driver `run`)."""
    return {k: _Bulk(v) if isinstance(v, list) and len(v) > 16 else v for k, v in params.items()}


def _collect_records(result: neo4j.Result) -> list[dict[str, Any]]:
    return [record.data() for record in result]


def _raw_records(result: neo4j.Result) -> list[dict[str, Any]]:
    keys = result.keys()
    return [dict(zip(keys, record.values())) for record in result]


def _summarise(result: neo4j.Result) -> WriteSummary:
    records = tuple(record.data() for record in result)
    c = result.consume().counters
    return WriteSummary(
        nodes_created=c.nodes_created,
        nodes_deleted=c.nodes_deleted,
        relationships_created=c.relationships_created,
        relationships_deleted=c.relationships_deleted,
        properties_set=c.properties_set,
        labels_added=c.labels_added,
        records=records,
    )


def _query_error(st: Statement, exc: Neo4jError) -> QueryError:
    code = getattr(exc, "code", None) or type(exc).__name__
    return QueryError(f"Neo4j rejected {st.name}: {code}: {exc.message if hasattr(exc, 'message') else exc}")


def chunks(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of at most ``size`` consecutive rows (the batching of every batched write)."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def connect(settings: Settings | None = None) -> Gateway:
    return Gateway(settings or Settings.from_env())


__all__ = ["Gateway", "Statement", "WriteSummary", "bulk_params", "connect", "chunks", "ClientError"]
