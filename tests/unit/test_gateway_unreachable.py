"""A Neo4j the gateway cannot reach: commands fail fast, workers wait (a stand-in driver; no server).

The real thing, a worker waiting through a stopped Neo4j, is tests/integration/test_faults_neo4j.py.
"""

from __future__ import annotations

import logging

import pytest
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from relmine import gateway as gateway_module
from relmine.config import Settings
from relmine.errors import ConfigError, GraphUnavailable, QueryError
from relmine.gateway import FAIL_FAST, Gateway, Patience


class FakeDriver:
    """Statements fail with ServiceUnavailable ``down`` times (as the driver raises once its own retries end);
    the waiting gateway's pings fail ``pings_down`` times."""

    def __init__(self, down: int = 0, pings_down: int = 0, reachable: bool = True, error=None):
        self.down, self.pings_down, self.reachable = down, pings_down, reachable
        self.error = error or (lambda: ServiceUnavailable("Couldn't connect to 127.0.0.1:1"))
        self.sessions = self.statements = self.pings = self.verifies = 0

    def verify_connectivity(self):
        self.verifies += 1
        if not self.reachable:
            raise ServiceUnavailable("Couldn't connect to 127.0.0.1:1")

    def session(self, **_):
        self.sessions += 1
        return FakeSession(self)

    def close(self):
        pass


class FakeSession:
    def __init__(self, driver: FakeDriver):
        self.driver = driver

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute_read(self, work):
        d = self.driver
        d.statements += 1
        if d.statements <= d.down:
            raise d.error()
        return work(FakeTx())

    execute_write = execute_read

    def run(self, query, *args, **kwargs):  # the waiting gateway's ping (auto-commit)
        d = self.driver
        d.pings += 1
        if d.pings <= d.pings_down:
            raise ServiceUnavailable("Couldn't connect to 127.0.0.1:1")
        return FakeResult()


class FakeTx:
    def run(self, *args, **kwargs):
        return FakeResult()


class FakeResult:
    def __iter__(self):
        return iter([])

    def consume(self):
        return None


SETTINGS = Settings(neo4j_uri="bolt://127.0.0.1:1", neo4j_password_env="x")


def test_a_command_gateway_checks_once_before_its_first_statement_and_does_not_retry():
    driver = FakeDriver(reachable=False)
    gw = Gateway(SETTINGS, driver=driver)
    assert gw.patience is FAIL_FAST
    with pytest.raises(GraphUnavailable, match=r"not reachable at bolt://127\.0\.0\.1:1; start the local server"):
        gw.read("admin/ping")
    assert driver.verifies == 1 and driver.sessions == 0  # no statement, so no 30 s of driver retries
    driver.reachable = True
    assert gw.read("admin/ping") == [] and gw.read("admin/ping") == []
    assert driver.verifies == 2  # once it has answered, no more checks


def test_a_command_gateway_tries_a_lost_connection_again_then_says_so_in_one_error(monkeypatch):
    driver = FakeDriver(down=1)
    gw = Gateway(SETTINGS, driver=driver)
    assert gw.read("admin/ping") == [] and driver.statements == 2  # the driver's back-off, by the gateway
    monkeypatch.setattr(gateway_module, "RETRY_S", 0.0)
    driver = FakeDriver(down=1)
    with pytest.raises(GraphUnavailable, match=r"not reachable .*\(admin/ping\)"):
        Gateway(SETTINGS, driver=driver).read("admin/ping")
    assert driver.statements == 1 and driver.pings == 0  # never a wait for Neo4j


def _neo4j_error(code: str) -> Neo4jError:
    return Neo4jError._hydrate_neo4j(code=code, message="from the fake driver")  # noqa: SLF001


def test_a_deadlock_runs_again_and_a_statement_over_memory_or_a_syntax_error_does_not():
    deadlock = FakeDriver(down=2, error=lambda: _neo4j_error("Neo.TransientError.Transaction.DeadlockDetected"))
    gw = Gateway(SETTINGS, driver=deadlock, patience=Patience(wait_s=30, poll_s=0.01))
    assert gw.read("admin/ping") == [] and deadlock.statements == 3 and deadlock.pings == 0
    for code in (gateway_module.MEMORY_ERROR, "Neo.ClientError.Statement.SyntaxError"):
        driver = FakeDriver(down=1, error=lambda code=code: _neo4j_error(code))
        with pytest.raises(QueryError, match=code):
            Gateway(SETTINGS, driver=driver).read("admin/ping")
        assert driver.statements == 1


def test_a_waiting_gateway_logs_waits_runs_again_and_reports_how_long(caplog):
    waits = []
    driver = FakeDriver(down=2, pings_down=3)
    gw = Gateway(SETTINGS, driver=driver,
                 patience=Patience(wait_s=30, poll_s=0.01, log_every_s=0, on_back=lambda g, s: waits.append((g, s))))
    with caplog.at_level(logging.WARNING, logger="relmine.gateway"):
        rows = gw.read("admin/ping")
    assert rows == []
    assert driver.verifies == 0  # a waiting gateway does not fail fast
    assert driver.statements == 3  # failed twice, ran the third time
    assert len(waits) == 2 and all(g is gw and s >= 0 for g, s in waits)  # one report per wait
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("waiting for Neo4j at bolt://127.0.0.1:1 (") and " s so far)" in line
               for line in lines), lines
    assert sum("answers again after" in line for line in lines) == 2, lines


def test_a_waiting_gateway_gives_up_after_its_patience(caplog):
    driver = FakeDriver(down=10**6, pings_down=10**6)
    gw = Gateway(SETTINGS, driver=driver, patience=Patience(wait_s=0.2, poll_s=0.02))
    with caplog.at_level(logging.WARNING, logger="relmine.gateway"):
        with pytest.raises(GraphUnavailable, match="not reachable"):
            gw.read("admin/ping")
    assert driver.pings >= 2
    assert any("gave up waiting for Neo4j" in r.getMessage() for r in caplog.records)


def test_a_failing_on_back_hook_does_not_fail_the_call():
    def boom(gw, waited):
        raise RuntimeError("the run's log could not be written")

    gw = Gateway(SETTINGS, driver=FakeDriver(down=1), patience=Patience(wait_s=30, poll_s=0.01, on_back=boom))
    assert gw.read("admin/ping") == []


def test_a_server_back_with_other_credentials_ends_the_wait():
    class Refusing(FakeDriver):
        def session(self, **_):
            s = FakeSession(self)
            s.run = lambda *a, **k: (_ for _ in ()).throw(AuthError("unauthorized"))
            return s

    gw = Gateway(SETTINGS, driver=Refusing(down=1), patience=Patience(wait_s=30, poll_s=0.01))
    with pytest.raises(GraphUnavailable, match="not reachable"):
        gw.read("admin/ping")


@pytest.mark.parametrize("raw, expected", [(None, 3.0), ("", 3.0), ("0.5", 0.5), ("10", 10.0)])
def test_connect_timeout_setting(raw, expected):
    env = {} if raw is None else {"RELMINE_NEO4J_CONNECT_TIMEOUT": raw}
    assert Settings.from_env(env).neo4j_connect_timeout == expected


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "nan", "inf"])
def test_bad_connect_timeout_is_one_clear_error(raw):
    with pytest.raises(ConfigError, match="RELMINE_NEO4J_CONNECT_TIMEOUT=.* is not a number of seconds above 0"):
        Settings.from_env({"RELMINE_NEO4J_CONNECT_TIMEOUT": raw})
