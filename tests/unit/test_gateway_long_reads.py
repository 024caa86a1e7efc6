"""A long read that Neo4j 5.26 refuses with Transaction.Outdated runs again (a stand-in driver; no server).

Under load (bench/readers.py: 16 readers during a write-back, 2 cores) a BI query ran 35-100 s and met
``Neo.TransientError.Transaction.Outdated`` when a concurrent write changed a relationship chain it read;
the gateway tried retryable errors again only within RETRY_S from the first start, so such a read was
never run again and its reader saw an error.
"""

from __future__ import annotations

import pytest
from neo4j.exceptions import Neo4jError

from relmine import gateway as gateway_module
from relmine.config import Settings
from relmine.errors import QueryError
from relmine.gateway import Gateway
from tests.unit.test_gateway_unreachable import FakeDriver

SETTINGS = Settings(neo4j_uri="bolt://127.0.0.1:1", neo4j_password_env="x")
OUTDATED = "Neo.TransientError.Transaction.Outdated"


def _outdated() -> Neo4jError:
    return Neo4jError._hydrate_neo4j(code=OUTDATED, message="The transaction read outdated data")  # noqa: SLF001


def test_a_read_longer_than_the_retry_window_runs_again_after_transaction_outdated(monkeypatch):
    monkeypatch.setattr(gateway_module, "RETRY_S", 0.0)  # every attempt outlasts the window
    monkeypatch.setattr(gateway_module, "_backoff", lambda: iter(lambda: 0.0, None))
    driver = FakeDriver(down=2, error=_outdated)
    assert Gateway(SETTINGS, driver=driver).read("admin/ping") == []
    assert driver.statements == 3


def test_a_read_runs_at_most_outdated_read_tries_times_past_the_window(monkeypatch):
    monkeypatch.setattr(gateway_module, "RETRY_S", 0.0)
    monkeypatch.setattr(gateway_module, "_backoff", lambda: iter(lambda: 0.0, None))
    driver = FakeDriver(down=20, error=_outdated)
    with pytest.raises(QueryError, match=OUTDATED):
        Gateway(SETTINGS, driver=driver).read("admin/ping")
    assert driver.statements == gateway_module.OUTDATED_READ_TRIES == 8
    # seven outdated tries in a row, then an answer: the reader sees the answer
    driver = FakeDriver(down=7, error=_outdated)
    assert Gateway(SETTINGS, driver=driver).read("admin/ping") == []
    assert driver.statements == 8


def test_a_write_that_meets_outdated_runs_min_tries_times_past_the_window(monkeypatch):
    monkeypatch.setattr(gateway_module, "RETRY_S", 0.0)
    monkeypatch.setattr(gateway_module, "_backoff", lambda: iter(lambda: 0.0, None))
    driver = FakeDriver(down=10, error=_outdated)
    with pytest.raises(QueryError, match=OUTDATED):
        Gateway(SETTINGS, driver=driver).write("admin/ping")
    assert driver.statements == gateway_module.MIN_TRIES == 3


def test_the_back_off_between_tries_stops_growing_at_15_s():
    delays = gateway_module._backoff(jitter=0.0)  # noqa: SLF001
    assert [next(delays) for _ in range(7)] == [1, 2, 4, 8, 15, 15, 15]
