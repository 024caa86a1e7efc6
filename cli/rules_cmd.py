"""``relmine rules``, ``relmine clusters``, ``relmine recommend``, ``relmine report``."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import click

from relmine.cli.common import echo_table, friendly_errors, gateway_from
from relmine.runid import run_id_or_new


def _quiet_driver_notices(ctx: click.Context) -> None:
    """The driver logs a warning for every absent label/property a query mentions; those are normal here."""
    if not (ctx.find_root().params or {}).get("verbose"):
        logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)


def _fraction(name: str, allow_zero: bool = False):
    def check(ctx, param, value):
        if value is None:
            return value
        low_ok = value >= 0 if allow_zero else value > 0
        if not (low_ok and value <= 1):
            raise click.BadParameter(f"must lie in {'[0, 1]' if allow_zero else '(0, 1]'}, got {value}")
        return value
    return check


def _queue_options(f):
    """``--queue``, ``--wait`` and ``--timeout``: send a rules or clusters job to a worker's ``mine`` queue."""
    f = click.option("--timeout", default=7200.0, show_default=True,
                     help="With --wait: give up waiting after this many seconds (the job goes on).")(f)
    f = click.option("--wait", is_flag=True, help="With --queue: follow the run until it ends, then print its figures.")(f)
    return click.option("--queue", "queued", is_flag=True,
                        help="Send the job to the 'mine' queue for a `relmine worker` (long work on a large "
                             "catalogue) instead of running it here; its (:Run) says queued, running, done or "
                             "failed (`relmine run-status RUN`).")(f)


def _send_to_mine(ctx, kind: str, spec, params: dict, wait: bool, timeout: float) -> None:
    """Record the run as queued, send ``spec`` to the worker's ``mine`` queue (through a broker outage, as
    training's tasks are) and, with ``wait``, follow it to its end and print its figures."""
    from dataclasses import asdict

    from relmine.cli.learn_cmd import follow
    from relmine.learn.pipeline import get_run
    from relmine.runs import set_job_status
    from relmine.workers.app import app
    from relmine.workers.publish import broker_errors, send_with_retry
    from relmine.workers.tasks import mine_clusters, mine_rules

    if not spec.write:
        raise click.UsageError("--queue writes the results back (that is how they come back): drop --no-write")
    task = mine_rules if kind == "rules" else mine_clusters
    payload = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(spec).items()}
    with gateway_from(ctx) as gw:
        set_job_status(gw, spec.run_id, kind, "queued", params=params)
        try:
            send_with_retry(lambda: task.apply_async(args=[payload], queue="mine"), f"the {kind} job",
                            broker_errors(app))
        except Exception as exc:
            set_job_status(gw, spec.run_id, kind, "failed", error=f"not queued: {exc}"[:500])
            raise
        click.echo(f"run {spec.run_id} queued on 'mine' (follow it: relmine run-status {spec.run_id} --wait)")
        if wait:
            follow(gw, spec.run_id, timeout)
            metrics = get_run(gw, spec.run_id).get("metrics")
            if metrics:
                click.echo(f"figures: {metrics}")


def rules_spec(no_write: bool, *, levels: tuple[str, ...], **fields):
    """The :class:`RulesSpec` of ``relmine rules``' options (those before ``--no-write`` are named as the
    fields they fill)."""
    from relmine.rules.association import LEVELS, RulesSpec

    return RulesSpec(levels=tuple(levels) or LEVELS, write=not no_write, **fields)


def cluster_spec(no_write: bool, *, attributes: tuple[str, ...], **fields):
    """The :class:`ClusterSpec` of ``relmine clusters``' options (those before ``--no-write`` are named as the
    fields they fill); an option left unset whose default depends on the machine (concurrency) or is the
    spec's (attribute weight) keeps the spec's."""
    from relmine.clusters import ClusterSpec

    given = {name: value for name, value in fields.items()
             if value is not None or name not in ("concurrency", "attribute_weight")}
    return ClusterSpec(attributes=tuple(attributes), write=not no_write, **given)


@click.command("rules")
@click.option("--min-support", type=float, default=0.01, show_default=True, callback=_fraction("min_support"),
              help="Keep itemsets in at least this share of the orders, in (0, 1].")
@click.option("--min-confidence", type=float, default=0.25, show_default=True,
              callback=_fraction("min_confidence", allow_zero=True), help="Keep rules with at least this confidence.")
@click.option("--min-lift", type=click.FloatRange(min=0), default=None, help="Keep rules with at least this lift.")
@click.option("--max-len", type=click.IntRange(min=2), default=None, help="Longest itemset (default: no limit).")
@click.option("--level", "levels", type=click.Choice(["product", "category"]), multiple=True,
              help="Level(s) to mine; repeat for both (default: both).")
@click.option("--run", "run_id", default=None,
              help="Run id (default: a new one); the same id replaces that run's rules.")
@click.option("--no-write", is_flag=True, help="Mine and print only; write nothing back.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=0), help="Rules to print per level.")
@_queue_options
@click.pass_context
@friendly_errors
def rules(ctx, no_write, top, queued, wait, timeout, **spec_fields) -> None:
    """Mine association rules from the orders' baskets and write them back as (:Rule) nodes."""
    from relmine.rules.association import mine_rules, rules_params

    _quiet_driver_notices(ctx)
    spec = rules_spec(no_write, **spec_fields)
    spec = replace(spec, run_id=run_id_or_new(spec.run_id, "rules"))  # the CLI's one check, before connecting
    if queued:
        _send_to_mine(ctx, "rules", spec.validated(), rules_params(spec), wait, timeout)
        return
    with gateway_from(ctx) as gw:
        result = mine_rules(gw, spec)
    for level, res in result.levels.items():
        m = res.metrics()
        click.echo(f"{level}: {m['baskets']:,} orders, {m['items']:,} items, {m['itemsets']:,} frequent itemsets, "
                   f"{m['rules']:,} rules ({m['rules_single_consequent']:,} with one item on the right)")
        if top and res.rules:
            echo_table([{"rule": res.describe(r), "support": r.support,
                         "confidence": r.confidence, "lift": r.lift, "conviction": r.conviction}
                        for r in res.rules[:top]])
    click.echo(f"run {result.run_id}: " + (f"wrote {result.written:,} rules" if spec.write else "nothing written"))


@click.command("clusters")
@click.option("--method", type=click.Choice(["leiden", "louvain", "fastrp", "propagate", "kmeans"]),
              default="leiden", show_default=True,
              help="GDS Leiden/Louvain communities of the co-purchase graph; GDS FastRP vectors of it then "
                   "k-means; propagate: a feature property averaged over two hops of the graph (SGC) then "
                   "Ward clustering (needs --features); or k-means on the stored embeddings (p.embedding).")
@click.option("--relationship", default="CO_PURCHASED", show_default=True,
              help="Relationship type between products to cluster on (Leiden/Louvain/FastRP).")
@click.option("-k", "--k", "k", type=click.IntRange(min=2), default=None,
              help="Clusters for k-means, FastRP and propagate (default: sqrt(products / 2), 2..100).")
@click.option("--min-size", type=click.IntRange(min=1), default=2, show_default=True,
              help="Smallest cluster written back.")
@click.option("--terms", type=click.IntRange(1, 50), default=5, show_default=True, help="TF-IDF terms per cluster.")
@click.option("--concurrency", type=click.IntRange(1, 4), default=None,
              help="GDS concurrency, at most 4 on the community edition (default: half this machine's cores, 1..4).")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed (Leiden, FastRP, k-means).")
@click.option("--weighting", type=click.Choice(["auto", "count", "npmi", "lift"]), default="auto", show_default=True,
              help="Edge weights: the stored weight (count), or the co-purchase's significance over the orders "
                   "(NPMI or log-lift; pairs without positive association dropped); auto: npmi where orders "
                   "were ingested, else count. See docs/clusters.md.")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="With npmi/lift: drop pairs bought together in fewer orders than this.")
@click.option("--resolution", type=click.FloatRange(min=0, max=100, min_open=True), default=None,
              help="Leiden resolution (gamma): above 1 gives more, smaller clusters "
                   "(default: 10 with --attribute, else 1.5 on npmi weights, else 1.0).")
@click.option("--features", default=None,
              help="With --method fastrp (optional) or propagate (required): a list-of-numbers product "
                   "property, mixed into the FastRP vectors or propagated over the graph.")
@click.option("--attribute", "attributes", multiple=True, metavar="PROPERTY",
              help="With leiden/louvain (repeatable): a catalogue property of the products (a brand, a "
                   "manufacturer) whose values join the graph, each linked to the products that have it; "
                   "for thin baskets. See docs/clusters.md.")
@click.option("--attribute-weight", type=click.FloatRange(min=0, max=1000, min_open=True), default=None,
              help="The weight of a product's link to its attribute value (default 30, against NPMI weights "
                   "of at most 1).")
@click.option("--dimension", type=click.IntRange(8, 1024), default=256, show_default=True,
              help="With --method fastrp: the size of the FastRP vectors.")
@click.option("--run", "run_id", default=None,
              help="Run id (default: a new one); the same id replaces that run's clusters.")
@click.option("--no-write", is_flag=True, help="Cluster and print only; write nothing back.")
@click.option("--top", default=15, show_default=True, type=click.IntRange(min=0), help="Clusters to print.")
@_queue_options
@click.pass_context
@friendly_errors
def clusters(ctx, no_write, top, queued, wait, timeout, **spec_fields) -> None:
    """Cluster products, label clusters by TF-IDF terms, score against categories (NMI/ARI), write (:Cluster)."""
    from relmine.clusters import cluster_params, cluster_products

    _quiet_driver_notices(ctx)
    spec = cluster_spec(no_write, **spec_fields)
    spec = replace(spec, run_id=run_id_or_new(spec.run_id, "clusters"))  # the CLI's one check, before connecting
    if queued:
        _send_to_mine(ctx, "clusters", spec.validated(), cluster_params(spec), wait, timeout)
        return
    with gateway_from(ctx) as gw:
        result = cluster_products(gw, spec)
    m = result.metrics()
    scores = (f"; against {m['categories']} categories: NMI {m['nmi']:.3f}, ARI {m['ari']:.3f}"
              if "nmi" in m else "; no known categories to score against")
    attrs = f", attributes {', '.join(result.spec.attributes)}" if result.spec.attributes else ""
    weights = f" ({m['weighting']} weights{attrs})" if spec.method not in ("kmeans", "propagate") else ""
    click.echo(f"{spec.method}{weights}: {m['products']:,} products in {m['communities']:,} communities, "
               f"{m['clusters']:,} of at least {spec.min_size}, the largest holding {m['largest_share']:.1%}{scores}")
    echo_table([{"size": c.size, "label": c.label, "top category": c.top_category, "purity": c.purity,
                 "terms": ", ".join(c.terms), "examples": "; ".join(result.examples(c))}
                for c in result.clusters[:top] if c.size >= spec.min_size])
    click.echo(f"run {result.run_id}: " + (f"wrote {result.written:,} clusters" if spec.write else "nothing written"))


@click.command("recommend")
@click.argument("sku")
@click.option("-k", "--k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many products to recommend.")
@click.option("--kind", type=click.Choice(["complement", "substitute", "any"]), default="any", show_default=True,
              help="Complements (bought with it), substitutes (bought instead of it), or any.")
@click.option("--rules-run", "rules_run_id", default=None, help="Rules run to draw rule evidence from (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with the structured evidence.")
@click.pass_context
@friendly_errors
def recommend(ctx, sku, k, kind, rules_run_id, as_json) -> None:
    """Recommend products related to SKU, each with the reasons behind it."""
    from relmine.names import display_name
    from relmine.recommend import recommend as run_recommend

    _quiet_driver_notices(ctx)
    with gateway_from(ctx) as gw:
        result = run_recommend(gw, sku, k=k, kind=kind, rules_run_id=rules_run_id)
    if as_json:
        click.echo(json.dumps({"sku": result.sku, "title": result.title, "kind": result.kind,
                               "notes": result.notes, "items": [r.as_dict() for r in result.items]}, indent=2))
        return
    click.echo(f"{kind} recommendations for {display_name(result.sku, result.title)}:")
    for i, r in enumerate(result.items, start=1):
        click.echo(f"{i:>3}. {display_name(r.sku, r.title)}  score {r.score:.3f}  [{r.kind}]")
        click.echo(f"     because: {r.reason}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


@click.command("report")
@click.option("--out", type=click.Path(file_okay=False), default="relmine-report", show_default=True,
              help="Folder for index.html and its PNG plots.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Rows per table.")
@click.pass_context
@friendly_errors
def report(ctx, out, top) -> None:
    """Write an HTML report (graph counts, latest runs, top rules, clusters) with PNG plots."""
    from relmine.report import write_report

    _quiet_driver_notices(ctx)
    with gateway_from(ctx) as gw:
        rep = write_report(gw, out, top=top)
    for note in rep.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {rep.path} with {len(rep.plots)} plots")
