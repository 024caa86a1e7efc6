"""Publishing through a broker outage (relmine.workers.publish), with a fake clock: no broker needed."""

from __future__ import annotations

import pytest
from amqp.exceptions import NotAllowed

from relmine.errors import BrokerUnavailable
from relmine.workers.publish import DEFAULT_BUDGET_S, budget_s, send_with_retry


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def refusing_until(clock: Clock, until: float):
    calls = []

    def send():
        calls.append(clock.now)
        if clock.now < until:
            raise NotAllowed("Connection.open: (530) NOT_ALLOWED - access to vhost 'x' refused for user 'guest'")
        return "sent"

    return send, calls


def test_a_60s_refusal_is_waited_out_with_backoff_and_said_on_the_run():
    clock, said = Clock(), []
    send, calls = refusing_until(clock, 60.0)
    result = send_with_retry(send, "the write-back of partition 3", (NotAllowed,), budget=300,
                             on_wait=said.append, sleep=clock.sleep, clock=clock)
    assert result == "sent"
    assert clock.sleeps[:6] == [1, 2, 4, 8, 15, 30]  # backoff, then every 30 s
    assert 60 <= clock.now < 90
    assert said[0].startswith("waiting for the broker to queue the write-back of partition 3 (NotAllowed: ")
    assert "0s so far" in said[0]
    assert said[-1].startswith("queued the write-back of partition 3 after waiting")
    # one line at the first failure and then about every 30 s, not one per attempt
    assert len(said) < len(calls)


def test_past_the_budget_it_raises_one_line_naming_the_resume():
    clock = Clock()
    send, _ = refusing_until(clock, 10_000.0)
    with pytest.raises(BrokerUnavailable) as err:
        send_with_retry(send, "the write-back of partition 0", (NotAllowed,), budget=120, sleep=clock.sleep,
                        clock=clock)
    message = str(err.value)
    assert "could not queue the write-back of partition 0" in message and "relmine train --resume" in message
    assert "\n" not in message
    assert clock.now <= 120


def test_other_errors_are_not_retried():
    clock = Clock()

    def send():
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError):
        send_with_retry(send, "x", (NotAllowed,), budget=300, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == []


def test_a_failing_log_line_does_not_end_the_wait():
    clock = Clock()
    send, _ = refusing_until(clock, 5.0)

    def on_wait(line):
        raise RuntimeError("Neo4j is down too")

    assert send_with_retry(send, "x", (NotAllowed,), budget=60, on_wait=on_wait, sleep=clock.sleep,
                           clock=clock) == "sent"


def test_budget_from_the_environment(monkeypatch):
    monkeypatch.delenv("RELMINE_PUBLISH_RETRY_S", raising=False)
    assert budget_s() == DEFAULT_BUDGET_S >= 300  # at least a 5-minute outage by default
    monkeypatch.setenv("RELMINE_PUBLISH_RETRY_S", "42")
    assert budget_s() == 42.0
    monkeypatch.setenv("RELMINE_PUBLISH_RETRY_S", "soon")
    with pytest.raises(BrokerUnavailable, match="RELMINE_PUBLISH_RETRY_S"):
        budget_s()
