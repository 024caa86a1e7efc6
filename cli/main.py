"""Entry point of the ``relmine`` command."""

from __future__ import annotations

import click

from relmine import __version__, quiet
from relmine.cli.neo4j_cmd import neo4j_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="relmine")
@click.option("-v", "--verbose", is_flag=True,
              help="Log more, other libraries' warnings included (never credentials).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """relmine: mine product relations with graph neural networks on Neo4j."""
    quiet.configure(verbose)  # other libraries' warnings only with -v
    ctx.ensure_object(dict)


cli.add_command(neo4j_group)


def _register() -> None:
    """Commands of the other modules (kept apart so each stays small)."""
    from relmine.cli import commands

    for command in commands.ALL:
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="relmine")


if __name__ == "__main__":
    main()
