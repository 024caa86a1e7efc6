"""Publishing follow-up tasks through a broker outage.

kombu retries a publish only on the errors it calls recoverable; a vhost whose
permissions were revoked answers ``NotAllowed (530)``, which it does not, and
Celery's default publish retry gives up after about a second. A training task
that has just spent an hour training must not lose its write-back to that, so
:func:`send_with_retry` keeps trying with backoff for ``RELMINE_PUBLISH_RETRY_S``
seconds (15 minutes by default), saying so as it waits. What was published is
recorded in the graph (the outbox: ``(:Partition {published})``), so a
redelivered or resumed training task publishes only what never reached the broker.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Callable

from kombu.exceptions import OperationalError

from relmine.errors import BrokerUnavailable

log = logging.getLogger(__name__)

DEFAULT_BUDGET_S = 900.0
DELAYS = (1, 2, 4, 8, 15, 30)  # then every 30 s


def budget_s() -> float:
    raw = os.environ.get("RELMINE_PUBLISH_RETRY_S", "")
    try:
        return float(raw) if raw else DEFAULT_BUDGET_S
    except ValueError:
        raise BrokerUnavailable(f"RELMINE_PUBLISH_RETRY_S={raw!r} is not a number of seconds") from None


def broker_errors(app) -> tuple[type[BaseException], ...]:
    """What a publish raises while the broker is down or refuses us: the transport's connection errors
    (AMQP's ``NotAllowed`` and ``AccessRefused`` included), socket errors, and Celery's wrapper of them."""
    with app.connection_for_write() as conn:
        found = tuple(conn.connection_errors) + tuple(conn.channel_errors)
    return tuple(dict.fromkeys((*found, OperationalError, OSError)))


def send_with_retry(send: Callable[[], object], what: str, errors: tuple[type[BaseException], ...], *,
                    budget: float | None = None, on_wait: Callable[[str], None] | None = None,
                    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
    """Call ``send`` until it returns; on a broker error wait and try again, for at most ``budget`` seconds.

    ``on_wait`` gets a line at the first failure and then about every 30 s (the run's log: Neo4j is up
    while the broker is down). Raises :class:`BrokerUnavailable` with the last error once the budget is spent.
    """
    budget = budget_s() if budget is None else budget
    start, attempt, last_said = clock(), 0, None
    while True:
        try:
            result = send()
        except errors as exc:
            waited = clock() - start
            delay = DELAYS[min(attempt, len(DELAYS) - 1)]
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            if waited + delay > budget:
                raise BrokerUnavailable(
                    f"could not queue {what}: the broker refused it for {waited:.0f}s ({reason}); once it is "
                    f"back, `relmine train --resume` queues what is left (RELMINE_PUBLISH_RETRY_S sets the wait)"
                ) from exc
            if last_said is None or waited - last_said >= 30:
                line = f"waiting for the broker to queue {what} ({reason}; {waited:.0f}s so far)"
                log.warning(line)
                if on_wait is not None:
                    try:
                        on_wait(line)
                    except Exception:  # noqa: BLE001 - a log line must not end the wait
                        log.debug("could not record the wait on the run", exc_info=True)
                last_said = waited
            sleep(delay)
            attempt += 1
            continue
        if attempt:
            line = f"queued {what} after waiting {clock() - start:.0f}s for the broker"
            log.warning(line)
            if on_wait is not None:
                try:
                    on_wait(line)
                except Exception:  # noqa: BLE001
                    log.debug("could not record the wait on the run", exc_info=True)
        return result
