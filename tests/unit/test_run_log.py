"""The CLI's follower prints every log line a run appended, once, and says what it could not show."""

from __future__ import annotations

import click
from click.testing import CliRunner

from relmine.cli.learn_cmd import print_log


def follow_states(states: list[dict]) -> str:
    @click.command()
    def cmd() -> None:
        printed = 0
        for r in states:
            printed = print_log(r, printed)

    return CliRunner().invoke(cmd).output


def test_every_line_once_across_polls():
    states = [{"log": [], "log_count": 0},
              {"log": ["a", "b"], "log_count": 2},
              {"log": ["a", "b"], "log_count": 2},
              {"log": ["a", "b", "c", "d"], "log_count": 4}]
    assert follow_states(states).splitlines() == ["a", "b", "c", "d"]


def test_lines_dropped_from_a_capped_log_are_announced():
    states = [{"log": ["a"], "log_count": 1}, {"log": ["x", "y"], "log_count": 6}]
    assert follow_states(states).splitlines() == ["a", "... 3 earlier log lines no longer kept", "x", "y"]


def test_a_run_without_log_prints_nothing():
    assert follow_states([{"status": "queued"}]) == ""
