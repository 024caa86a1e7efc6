"""The one run-id pattern, and the one way to turn a run id into a path.

Every run id (training and refresh, rules, clusters, motifs, evaluate) is checked here: by the CLI
before anything is enqueued, by the worker tasks before they touch the graph
or the disk, and by the library functions themselves; once per entry point,
as :func:`check_run_id` returns a :class:`RunId` that later checks pass through. A run id is 1-100
characters of letters, digits and ``_ . : -``, starting with a letter or a
digit, and never ``..`` anywhere: so ``../../../x/evil`` is refused.

:func:`path_under` builds a file path from an id only inside a given root and
proves it by resolving it (symlinks included) under the resolved root.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from relmine.errors import InputError

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
RULE = "letters, digits, _ . : -; starting with a letter or digit; at most 100; no '..'"


class RunId(str):
    """A run id that :func:`check_run_id` has validated. An entry point (a command, a worker task) checks the
    id it is given once and passes this on; the checks of the library functions it calls then pass it
    through without matching it again. Sent to a worker it travels as plain text, and is checked there."""

    __slots__ = ()


def check_run_id(run_id: object) -> RunId:
    """``run_id`` as a :class:`RunId` if it matches :data:`RUN_ID` (and has no ``..``); else
    :class:`InputError` naming it. A :class:`RunId` is returned as it is (checked already)."""
    if isinstance(run_id, RunId):
        return run_id
    if not isinstance(run_id, str) or not RUN_ID.match(run_id) or ".." in run_id:
        raise InputError(f"run id {run_id!r} is not allowed ({RULE})")
    return RunId(run_id)


def new_run_id(kind: str) -> str:
    """``<kind>-YYYYmmdd-HHMMSS-<6 hex>``, the time in UTC (sortable across hosts in other time zones, unique
    enough for one graph): every kind of run (train, rules, clusters, motifs, evaluate) is named this way."""
    return check_run_id(f"{kind}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}")


def run_id_or_new(run_id: str | None, kind: str) -> str:
    """A given run id (validated) or a new one of ``kind``."""
    return new_run_id(kind) if run_id is None else check_run_id(run_id)


def path_under(root: Path, run_id: str, suffix: str = "") -> Path:
    """``root/<run_id><suffix>``, refused unless it resolves inside ``root``."""
    name = check_run_id(run_id) + suffix
    base = Path(root).resolve()
    path = (base / name).resolve()
    if path.parent != base:
        raise InputError(f"run id {run_id!r} resolves outside {base}")
    return path
