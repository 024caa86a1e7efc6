"""``relmine ingest``, ``relmine generate``, ``relmine stats``: building the relation graph."""

from __future__ import annotations

import json
from pathlib import Path

import click

from relmine.cli.common import echo_table, friendly_errors, gateway_from, settings_from
from relmine.ingest.options import KINDS, IngestOptions
from relmine.ingest.textio import FORMATS


# The options that become IngestOptions, in --help order: each fills the IngestOptions field of its name and takes
# its default from there, except --col and --mapping (together: columns) and --no-progress (progress).
_DEFAULTS = IngestOptions(kind="auto")
_OPTIONS = (
    click.option("--format", type=click.Choice(FORMATS), default=None,
                 help="File format; default from the extension (.csv .tsv .jsonl/.json .txt, under an optional "
                      ".gz; .parquet/.pq, .xlsx)."),
    click.option("--encoding", default=_DEFAULTS.encoding, show_default=True,
                 help="Text encoding of the file (any Python codec: latin-1, cp1252, utf-16, utf-32...); a "
                      "UTF-16/32 file read as UTF-8 is named with the value to pass."),
    click.option("--col", "cols", multiple=True, metavar="FIELD=COLUMN",
                 help="Map a field to a column, e.g. --col order=InvoiceNo --col sku=StockCode (repeatable). "
                      "Fields: catalog sku,title,category,brand,price; orders order,sku,qty,time,customer,price,"
                      "title; edges src,dst,type,weight."),
    click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="JSON or YAML file of {field: column}; --col entries win over it."),
    click.option("--category-sep", default=_DEFAULTS.category_sep, show_default=True,
                 help="Separator of category path levels (catalog)."),
    click.option("--type", "relation_type", default=_DEFAULTS.relation_type, show_default=True,
                 help="Relation type of edges whose file has no type column."),
    click.option("--allow-type", "allow_types", multiple=True, metavar="TYPE",
                 help="Accept a relation type outside relmine's list (upper snake case; repeatable)."),
    click.option("--sku-prefix", default=_DEFAULTS.sku_prefix,
                 help="Prefix every sku read (keeps ids of different data sets apart)."),
    click.option("--keep-external", is_flag=True,
                 help="amazon-meta: keep also_buy/also_view links to products absent from the file (as bare "
                      "products)."),
    click.option("--order-prefix", default=None,
                 help="Prefix of order ids (baskets: default b<first 12 hex of the file's sha256>)."),
    click.option("--batch-size", default=_DEFAULTS.batch_size, show_default=True,
                 type=click.IntRange(1, 1_000_000),
                 help="Rows per transaction (kept from the first run when a run is resumed)."),
    click.option("--chunk-mb", default=_DEFAULTS.chunk_mb, show_default=True,
                 type=click.FloatRange(0.001, 1 << 20),
                 help="orders: group orders this many MB of the file at a time (the rest waits on disk, under "
                      "$RELMINE_HOME/spill), so memory does not grow with the file; kept from the first run "
                      "when a run is resumed."),
    click.option("--date-format", default=None, metavar="LAYOUT",
                 help="orders, edges: strptime layout of the time column, e.g. '%d/%m/%Y %H:%M'. Needed for "
                      "slashed dates (12/01/2010: month or day first?); without it only ISO 8601 and 31.12.2010 "
                      "are read."),
    click.option("--max-rejects", default=_DEFAULTS.max_rejects, show_default=True, type=click.IntRange(0),
                 help="Rejected rows allowed whatever the file's size; beyond it and beyond --max-reject-rate, "
                      "nothing is written and the exit code is 1."),
    click.option("--max-reject-rate", default=_DEFAULTS.max_reject_rate, show_default=True,
                 type=click.FloatRange(0, 1),
                 help="Rejected rows allowed as a share of the rows read (0.01 = 1%); the larger of the two limits "
                      "applies, so a big file with a few bad rows loads and a wrong mapping stops."),
    click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="Rejected rows CSV (line,reason,raw); default "
                      "$RELMINE_HOME/rejects/<file>.<source>.rejects.csv."),
    click.option("--sheet", default=None, metavar="NAME",
                 help="xlsx: read only this sheet (default: every sheet, each with the same header)."),
    click.option("--cancel-pattern", default=_DEFAULTS.cancel_pattern, show_default=True,
                 help="orders: regular expression of order ids that are cancellations/returns ('' turns it off)."),
    click.option("--return-kinds", default=_DEFAULTS.return_kinds, show_default=True,
                 help="orders: regular expression of kind/status column values that mark a return ('' off)."),
    click.option("--service-codes", default=_DEFAULTS.service_codes,
                 help="orders: regular expression of skus that are service lines (postage, fees...; '' off). "
                      "Default: Online Retail's POST, DOT, M, C2, D, S, B, CRUK, PADS, BANK CHARGES, AMAZONFEE "
                      "and common names."),
    click.option("--service-pattern", default=_DEFAULTS.service_pattern,
                 help="orders: regular expression of descriptions that mark service lines ('' off). Default: "
                      "postage, carriage, shipping, bank charges, manual, adjustment, fee, commission, discount, "
                      "sample, voucher."),
    click.option("--service-share", default=_DEFAULTS.service_share, show_default=True,
                 type=click.FloatRange(0, 1),
                 help="orders: an item in more than this share of the file's orders and with no category in the "
                      "graph is a service line (0 turns the rule off)."),
    click.option("--keep-service-lines", is_flag=True,
                 help="orders: keep service lines as products and order lines (they are still listed)."),
    click.option("--no-progress", is_flag=True, help="No progress bar or progress lines."),
)


def ingest_options(command):
    """Add the options that become :class:`IngestOptions` to ``command`` (:func:`options_from` reads them)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def options_from(kind: str, *, cols: tuple[str, ...], mapping_file: Path | None, no_progress: bool,
                 **fields) -> IngestOptions:
    """The :class:`IngestOptions` of ``kind`` from the values of :func:`ingest_options`' options."""
    from relmine.ingest.columns import load_mapping_file, parse_col_options

    columns = load_mapping_file(mapping_file) if mapping_file else {}
    columns.update(parse_col_options(cols))
    return IngestOptions(kind=kind, columns=columns, progress=not no_progress, **fields)


@click.command("ingest")
@click.argument("kind", type=click.Choice([*KINDS, "auto"]), metavar="KIND")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@ingest_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--bulk", is_flag=True,
              help="First load into an EMPTY database at import speed (edges, orders, baskets): the same graph, "
                   "written as CSV for neo4j-admin database import; relmine's local server is stopped and "
                   "started around it. Refused when the database holds any node.")
@click.pass_context
@friendly_errors
def ingest(ctx: click.Context, kind: str, file: Path, as_json: bool, bulk: bool, **option_values) -> None:
    """Ingest FILE of KIND (catalog, amazon-meta, edges, orders, baskets, or auto) into the graph.

    Safe to repeat: the same file with the same options changes nothing the second time,
    and a run that was killed continues where it stopped.
    """
    from relmine.ingest import ingest_file

    options = options_from(kind, **option_values)
    settings = settings_from(ctx)
    with gateway_from(ctx) as gw:
        if bulk:
            from relmine.ingest.bulk import bulk_ingest_file

            report = bulk_ingest_file(gw, settings, file, options, rejects_dir=settings.home / "rejects")
        else:
            report = ingest_file(gw, file, options, rejects_dir=settings.home / "rejects")
    if as_json:
        click.echo(json.dumps(report.as_dict(), default=str))
    else:
        _echo_report(report)
    if report.status == "too-many-rejects":
        c = report.counts
        why = ("every row was rejected (check the column mapping)" if c.accepted == 0 and
               c.rejected <= options.reject_limit(c.read) else
               f"more than --max-rejects {options.max_rejects:,} and more than --max-reject-rate "
               f"{options.max_reject_rate:g} of {c.read:,} rows read")
        raise click.ClickException(f"{c.rejected:,} rows rejected, {why}: nothing was written. "
                                   f"See {report.rejects_path}")


def _echo_report(report) -> None:
    c = report.counts
    if report.status == "already-ingested":
        click.echo(f"{report.path}: already ingested (source {report.source_id[:12]}); nothing to do.")
    rows = [{"read": c.read, "accepted": c.accepted, "rejected": c.rejected, "duplicates": c.duplicates,
             "nodes created": report.written.get("nodes_created", 0),
             "relationships created": report.written.get("relationships_created", 0),
             "properties set": report.written.get("properties_set", 0),
             "batches": report.batches, "seconds": round(report.seconds, 1),
             "rows/s": round(report.rows_per_s)}]
    echo_table(rows)
    if report.resumed_from:
        click.echo(f"resumed after batch {report.resumed_from} of an interrupted run")
    for key, value in sorted(c.notes.items()):
        label = key if key.startswith("service ") and "(" in key else key.replace("_", " ")  # skus as read
        click.echo(f"  {label}: {value:,}")
    if report.rejects_path:
        click.echo(f"rejected rows: {report.rejects_path}")


@click.command("generate")
@click.option("--products", default=10_000, show_default=True, type=click.IntRange(10),
              help="Number of products.")
@click.option("--orders", default=50_000, show_default=True, type=click.IntRange(1), help="Number of orders.")
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same files).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write catalog.csv, orders.csv, co_viewed.csv, ground_truth.csv, manifest.json.")
@click.option("--substitute-share", default=0.05, show_default=True, type=click.FloatRange(0, 0.5),
              help="Share of products in a planted substitute pair.")
@click.option("--complement-share", default=0.05, show_default=True, type=click.FloatRange(0, 0.5),
              help="Share of products in a planted complement pair.")
@friendly_errors
def generate(products: int, orders: int, seed: int, out_dir: Path, substitute_share: float,
             complement_share: float) -> None:
    """Write a synthetic catalogue and orders with planted substitutes and complements, and the ground truth."""
    from relmine.ingest.generate import GeneratorSpec, generate as run

    manifest = run(GeneratorSpec(products=products, orders=orders, seed=seed, substitute_share=substitute_share,
                                 complement_share=complement_share), out_dir)
    echo_table([{"file": name, **info} for name, info in manifest["files"].items()], ["file", "rows", "what"])
    click.echo(f"ingest with: relmine ingest catalog {out_dir / 'catalog.csv'} && "
               f"relmine ingest orders {out_dir / 'orders.csv'} && relmine ingest edges {out_dir / 'co_viewed.csv'}")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
@friendly_errors
def stats(ctx: click.Context, as_json: bool) -> None:
    """Show graph counts by label and relationship type, ingested sources and order statistics."""
    from relmine.ingest import graph_stats

    with gateway_from(ctx) as gw:
        found = graph_stats(gw)
    if as_json:
        click.echo(json.dumps(found, default=str))
        return
    echo_table(found["counts"], ["kind", "name", "count"])
    if found["orders"]:
        click.echo(f"\norders: {found['orders'].get('n_orders') or 0:,}  "
                   f"order lines: {found['orders'].get('n_order_lines') or 0:,}")
    if found["sources"]:
        click.echo("")
        echo_table([{**s, "id": s["id"][:12]} for s in found["sources"]],
                   ["id", "kind", "file", "status", "batches", "rows_read", "rejected", "finished_at"])
