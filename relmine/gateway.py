"""The Neo4j gateway: the one owner of the driver.

Everything above it runs named statements (``cypher/<group>/<name>.cypher``)
or a :class:`Statement` built by a compiler (the pattern matcher), always with
``$parameters``. The gateway picks READ/WRITE routing, lets the driver retry
what it calls retryable (transaction functions), tags every transaction with
metadata so it shows up in Neo4j's query log, and turns driver errors into
relmine's few domain errors. Results come back as plain dicts, or as
dataclasses through :meth:`Gateway.read_as`.

Retries are the gateway's, not the driver's (its ``max_transaction_retry_time``
is 0): what the driver calls retryable (a deadlock, a lost connection) runs
again with the driver's back-off for up to :data:`RETRY_S`, quietly (INFO), and
an unreachable Neo4j is met by the gateway's :class:`Patience`. A command fails
fast: it checks that Neo4j answers before its first statement and says so in
one line within about ``RELMINE_NEO4J_CONNECT_TIMEOUT`` seconds. A worker
process waits: from the first failure it logs ``waiting for Neo4j at URI (N s
so far)``, polls until Neo4j takes statements, and runs the statement again.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, fields
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import neo4j
from neo4j import GraphDatabase, unit_of_work
from neo4j.exceptions import (AuthError, ClientError, ConfigurationError, DriverError, Neo4jError,
                              ServiceUnavailable, SessionExpired)

from relmine import cypher
from relmine.config import Settings, redact_text, redact_url
from relmine.errors import GraphUnavailable, QueryError

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT_S = 600.0
RETRY_S = 30.0  # how long a retryable error is tried again (the driver's own default, which it had here)
# a statement that failed with a retryable error (a deadlock, Transaction.Outdated) runs this often at least,
# however long it ran: a read that takes over RETRY_S (a BI query on a busy server) and meets Neo4j 5.26's
# Transaction.Outdated (a concurrent write changed a relationship chain it was reading) was never run again
MIN_TRIES = 3
# ... and a read that fails with Transaction.Outdated this often: Neo4j 5.26.30 reports a relationship chain
# that a concurrent transaction inserted into while the read walked it (record format: a product's
# [:CO_PURCHASED] and the [:PREDICTED] a write-back inserts share one chain below the dense-node threshold)
# instead of reading it twice or not at all. A BI query of 30-90 s on a busy server meets one write-back
# batch after another (bench/readers.py: 1 read in 1,222 still failed after 3 tries); a read changes
# nothing, so trying it again is always safe.
OUTDATED_READ_TRIES = 8
OUTDATED = "Neo.TransientError.Transaction.Outdated"


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


@dataclass(frozen=True)
class Patience:
    """How a gateway meets a Neo4j it cannot reach.

    Args:
        wait_s: how long one call may wait for Neo4j, counted from the call's start. ``0``
            (commands, tests): fail fast instead; the gateway checks that Neo4j answers
            before its first statement, bounded by the connect timeout, and raises
            :class:`GraphUnavailable` in one line (a connection lost later is tried again
            for up to :data:`RETRY_S`, as any retryable error).
        poll_s: seconds between two checks while waiting.
        log_every_s: seconds between two ``waiting for Neo4j`` lines in the process's log.
        on_back: called as ``on_back(gateway, waited_s)`` once Neo4j answers again after a
            wait, before the call runs again. Nothing can be written while Neo4j is down, so
            this is the first moment a run's log can hear of the wait (see
            :mod:`relmine.workers.waiting`). Its errors are logged, never raised.
    """

    wait_s: float = 0.0
    poll_s: float = 5.0
    log_every_s: float = 30.0
    on_back: Callable[["Gateway", float], None] | None = None


FAIL_FAST = Patience()
_default_patience = FAIL_FAST


def set_default_patience(patience: Patience) -> None:
    """The patience of gateways made later in this process without one of their own.

    A worker process sets a waiting one when it starts (:mod:`relmine.workers.waiting`);
    commands and tests keep :data:`FAIL_FAST`."""
    global _default_patience
    _default_patience = patience


class Gateway:
    """Owns one :class:`neo4j.Driver`. Use as a context manager or call :meth:`close`."""

    def __init__(self, settings: Settings, *, app: str = "relmine", driver: neo4j.Driver | None = None,
                 patience: Patience | None = None):
        self.settings = settings
        self.database = settings.neo4j_database
        self.app = app
        self.patience = patience or _default_patience
        self._answered = False  # Neo4j has answered this gateway once (fail-fast checks until then)
        self._in_on_back = False
        if driver is None:
            try:
                driver = GraphDatabase.driver(
                    settings.neo4j_uri,
                    auth=(settings.neo4j_user, settings.neo4j_password),
                    # the gateway retries (_with_session): the driver's loop waits 30 s on a server
                    # that is down, with a warning each time, and cannot tell the worker's patience
                    max_transaction_retry_time=0.0,
                    connection_acquisition_timeout=60.0,
                    # one TCP connect and Bolt handshake: bounds how long a command takes to find
                    # Neo4j down (refused connections fail at once whatever this is)
                    connection_timeout=settings.neo4j_connect_timeout,
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
            self._answered = True
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
        self._check_first()  # a waiting gateway does not wait here: a half-read stream cannot run again
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
        """``fn`` in a session, run again as the driver would have (so ``fn`` may run more than once):
        after a wait for Neo4j when it is unreachable and this gateway is patient, else with back-off
        for up to :data:`RETRY_S`, and at least :data:`MIN_TRIES` times, when the error is one the driver
        calls retryable."""
        self._check_first()
        started = time.monotonic()
        delays = _backoff()
        transient_tries, least = 0, MIN_TRIES
        while True:
            try:
                return self._in_session(mode, name, fn)
            except GraphUnavailable as exc:
                if not isinstance(exc.__cause__, _UNREACHABLE) or self._in_on_back:
                    raise
                if self.patience.wait_s > 0:
                    if self._wait_for_neo4j(started, name):
                        continue
                    raise
                error: Exception = exc
            except QueryError as exc:
                if not _retryable(exc.__cause__):
                    raise
                error = exc
                transient_tries += 1
                least = (OUTDATED_READ_TRIES if mode == neo4j.READ_ACCESS
                         and getattr(exc.__cause__, "code", None) == OUTDATED else MIN_TRIES)
            if time.monotonic() - started > RETRY_S and not 0 < transient_tries < least:
                raise error
            delay = next(delays)
            log.info("%s failed (%s); trying again in %.1f s", name, error.__cause__ or error, delay)
            time.sleep(delay)

    def _in_session(self, mode: str, name: str, fn: Callable[[neo4j.Session], T]) -> T:
        try:
            with self._driver.session(database=self.database, default_access_mode=mode) as session:
                return fn(session)
        except AuthError as exc:
            raise GraphUnavailable(f"Neo4j refused the credentials of {self.settings.neo4j_user!r}") from exc
        except _UNREACHABLE as exc:
            raise GraphUnavailable(f"Neo4j is not reachable at {self.uri} ({name})") from exc
        except _OverMemory as over:
            raise _query_error(Statement("", name), over.error) from over.error
        except Neo4jError as exc:
            raise _query_error(Statement("", name), exc) from exc

    def _check_first(self) -> None:
        """Fail fast: before a command's first statement, one bounded check that Neo4j answers
        (else a first statement would be tried again for :data:`RETRY_S` before the command could say so)."""
        if not self._answered and self.patience.wait_s <= 0:
            self.verify()

    def _wait_for_neo4j(self, started: float, name: str) -> bool:
        """Wait until Neo4j takes statements again; False when out of patience.

        ``started`` is when the call began: the wait is counted from there."""
        patience = self.patience
        logged = float("-inf")
        while (so_far := time.monotonic() - started) < patience.wait_s:
            if time.monotonic() - logged >= patience.log_every_s:
                log.warning("waiting for Neo4j at %s (%.0f s so far) to run %s", self.uri, so_far, name)
                logged = time.monotonic()
            # first a pause: a server shutting down still opens connections for a moment
            time.sleep(min(patience.poll_s, max(0.0, patience.wait_s - so_far)))
            try:
                answers = self._takes_statements()
            except AuthError:
                log.error("Neo4j at %s is back but refuses the credentials; not waiting (%s)", self.uri, name)
                return False
            if answers:
                waited = time.monotonic() - started
                log.warning("Neo4j at %s answers again after %.0f s; running %s again", self.uri, waited, name)
                self._back(waited)
                return True
        log.error("gave up waiting for Neo4j at %s after %.0f s (%s)", self.uri, patience.wait_s, name)
        return False

    def _takes_statements(self) -> bool:
        """One auto-commit ping of the database: no driver retries, so no warnings while it is down.

        Not :meth:`verify`: the Bolt port answers before a restarting database takes statements."""
        st = Statement.named("admin/ping")
        try:
            with self._driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                session.run(neo4j.Query(st.text, metadata=self._metadata(st), timeout=10)).consume()
            return True
        except AuthError:
            raise
        except (DriverError, Neo4jError, OSError):  # down, or up with its database still starting
            return False

    def _back(self, waited: float) -> None:
        if self.patience.on_back is None:
            return
        self._in_on_back = True  # a hook that finds Neo4j gone again fails instead of waiting in a wait
        try:
            self.patience.on_back(self, waited)
        except Exception:  # noqa: BLE001 - the call itself still runs again
            log.warning("could not record the wait for Neo4j", exc_info=True)
        finally:
            self._in_on_back = False


# What the driver raises when it cannot reach the server (the second over neo4j://).
_UNREACHABLE = (ServiceUnavailable, SessionExpired)


def _retryable(error: BaseException | None) -> bool:
    """What the driver's own loop would have tried again; never a statement over the memory limit."""
    return (isinstance(error, (Neo4jError, DriverError)) and error.is_retryable()
            and getattr(error, "code", None) != MEMORY_ERROR)


def _backoff(initial: float = 1.0, factor: float = 2.0, jitter: float = 0.2, most: float = 15.0) -> Iterator[float]:
    """The driver's retry delays: 1, 2, 4, ... s up to ``most``, each within +-20 %."""
    delay = initial
    while True:
        yield delay * random.uniform(1 - jitter, 1 + jitter)
        delay = min(delay * factor, most)

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


__all__ = ["Gateway", "Patience", "Statement", "WriteSummary", "bulk_params", "connect", "chunks", "ClientError",
           "set_default_patience", "FAIL_FAST"]
