"""``relmine neo4j start|stop|status|logs``: the local Neo4j server."""

from __future__ import annotations

import click

from relmine.cli.common import friendly_errors, settings_from


@click.group("neo4j")
def neo4j_group() -> None:
    """Run relmine's own local Neo4j 5.26 + GDS server (no Docker needed)."""


def _server(ctx: click.Context):
    from relmine.server import LocalNeo4j

    return LocalNeo4j(settings_from(ctx))


@neo4j_group.command("start")
@click.option("--timeout", default=180.0, show_default=True, help="Seconds to wait for Bolt.")
@click.pass_context
@friendly_errors
def start(ctx: click.Context, timeout: float) -> None:
    """Assemble (once) and start the server; print its Bolt URI. Idempotent."""
    st = _server(ctx).start(timeout=timeout)
    click.echo(st.bolt_uri)


@neo4j_group.command("stop")
@click.pass_context
@friendly_errors
def stop(ctx: click.Context) -> None:
    """Stop the server cleanly (data is kept)."""
    was = _server(ctx).stop()
    click.echo("stopped" if was else "not running")


@neo4j_group.command("status")
@click.pass_context
@friendly_errors
def status(ctx: click.Context) -> None:
    """Say whether the server runs and where; exit 1 if it does not."""
    st = _server(ctx).status()
    click.echo(st.describe())
    ctx.exit(0 if st.running and st.answering else 1)


@neo4j_group.command("logs")
@click.option("-n", "--lines", default=50, show_default=True, help="Lines of each log to show.")
@click.pass_context
def logs(ctx: click.Context, lines: int) -> None:
    """Show the end of the server's logs."""
    click.echo(_server(ctx).tail(lines))
