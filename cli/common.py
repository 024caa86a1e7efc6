"""Shared options and helpers of the command line."""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import click

from relmine.config import Settings, redact_text
from relmine.errors import RelmineError


def settings_from(ctx: click.Context) -> Settings:
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        obj["settings"] = Settings.from_env()
    return obj["settings"]


def friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn relmine's domain errors into a clear one-line ``Error:`` instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RelmineError as exc:
            raise click.ClickException(redact_text(str(exc))) from exc

    return wrapper


def gateway_from(ctx: click.Context):
    """A fail-fast gateway: with Neo4j down, the command's first statement ends it in one line within
    about ``RELMINE_NEO4J_CONNECT_TIMEOUT`` seconds (:class:`relmine.gateway.Patience`). Bad input the
    command checks before its first statement is still reported as such."""
    from relmine.gateway import Gateway

    return Gateway(settings_from(ctx))


def echo_table(rows: list[dict[str, Any]], columns: list[str] | None = None, *, file=None) -> None:
    """Print rows as an aligned plain-text table."""
    if not rows:
        click.echo("(no rows)", file=file)
        return
    columns = columns or list(rows[0].keys())
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)), file=file)
    click.echo("  ".join("-" * w for w in widths), file=file)
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)), file=file)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is None:
        return ""
    return str(value)


def is_tty() -> bool:
    return sys.stderr.isatty()
