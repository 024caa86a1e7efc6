"""``relmine train``, ``relmine run-status``, ``relmine neighbours``, ``relmine predicted``."""

from __future__ import annotations

import time

import click

from relmine.cli.common import echo_table, friendly_errors, gateway_from


def _spec_default(name: str):
    from relmine.learn.spec import TrainSpec

    return TrainSpec.__dataclass_fields__[name].default


def _opt(name: str, *decls, **kwargs):
    """A click option whose default is TrainSpec's (so the CLI never copies the recipe)."""
    return click.option(*decls, default=_spec_default(name), show_default=True, **kwargs)


# The options that become TrainSpec, in --help order: each fills the TrainSpec field of its name and takes its
# default from there (train_spec builds the spec from them).
_TRAIN_OPTIONS = (
    _opt("partition_size", "--partition-size", help="Products per write-back job (one `embed` task each)."),
    click.option("--relation-type", "relation_types", multiple=True,
                 help="Observed relation type to learn from (repeatable; default: all present)."),
    _opt("epochs", "--epochs", type=click.IntRange(min=1),
         help="Maximum training epochs (early stopping on the validation slice; the best epoch's weights are kept)."),
    _opt("patience", "--patience", type=click.IntRange(min=1), help="Epochs without validation gain before stopping."),
    _opt("hidden", "--hidden", help="Embedding size."),
    _opt("heads", "--heads", help="Attention heads."),
    _opt("conv", "--conv", type=click.Choice(["auto", "gat", "gatv2"]),
         help="Attention layer: auto (GAT when the run learns from one relation type, GATv2 on several), GAT, or "
              "GATv2 (attention that depends on both ends and the type together; about 1.7x the cost per edge)."),
    _opt("lr", "--lr", help="Learning rate."),
    _opt("top_k", "--top-k", help="Predicted relations kept per product."),
    _opt("min_count", "--min-count", type=click.FloatRange(min=0),
         help="Significance filter: learn only from relations seen at least this often (r.count; a relation "
              "without a count is kept)."),
    _opt("top_k_relations", "--top-k-relations", type=click.IntRange(min=0),
         help="Significance filter: keep a relation when it is among the N strongest (r.weight, else r.count) of "
              "its type at either product (0: all; a type without counts is kept whole)."),
    _opt("max_step_edges", "--max-step-edges", type=click.IntRange(min=1000),
         help="Memory budget of one training step, in message-passing edges (~2.8 KB each); a larger graph "
              "trains on sampled subgraphs."),
    _opt("memory_gb", "--memory-gb", type=click.FloatRange(min=0, min_open=True),
         help="Refuse the run before training if its estimated peak memory is above this."),
    _opt("recon_weight", "--recon-weight", help="Weight of the edge + node-feature reconstruction loss (0: off)."),
    _opt("contrast_weight", "--contrast-weight", type=click.FloatRange(0, 100),
         help="Weight of a contrastive term that pulls substitute-like pairs (ALSO_VIEWED, CO_VIEWED, SUBSTITUTE) "
              "together in the cosine space of the written embeddings (0: off; docs/learn.md)."),
    _opt("holdout", "--holdout", type=click.Choice(["auto", "time", "random"]),
         help="How the validation and test pairs are held out: time (the pairs first seen in the latest window are "
              "the test, the window before it validation: the run is scored on the future of what it learns from), "
              "random (a seeded slice), or auto (time where the relations carry when they were first seen, that is "
              "orders with dates; else random)."),
    _opt("seed", "--seed", help="Random seed of the held-out slices and the training (deterministic under it)."),
)


def train_options(command):
    """Add the options that become :class:`TrainSpec` to ``command`` (:func:`train_spec` reads them)."""
    for option in reversed(_TRAIN_OPTIONS):
        command = option(command)
    return command


def train_spec(*, relation_types: tuple[str, ...], **fields):
    """The :class:`TrainSpec` of ``relmine train``'s :func:`train_options` (named as the fields they fill)."""
    from relmine.learn.spec import TrainSpec

    return TrainSpec(relation_types=tuple(relation_types), **fields)


@click.command("train")
@train_options
@click.option("--run-id", default=None, help="Run id (default: a new one); re-using one resumes it.")
@click.option("--resume", "resume", default=None, metavar="RUN",
              help="Queue failed, cancelled or stuck run RUN again; it continues from its last checkpoint.")
@click.option("--wait/--no-wait", default=False, help="Follow the run's progress until it ends.")
@click.option("--timeout", default=7200.0, show_default=True, help="With --wait: give up after this many seconds.")
@click.pass_context
@friendly_errors
def train(ctx, run_id, resume, wait, timeout, **spec_fields) -> None:
    """Enqueue a GAT training run on queue `train` (write-back fans out on `embed`).

    The model and its training settings are the recipe `relmine evaluate` measures
    (relmine/gnn/recipe.py). A run holds out validation and test slices of the relations;
    its test figures (model and CN/AA/RA) land on the (:Run). One training run per graph at a time.
    """
    from relmine.learn.pipeline import check_trainable, create_run, resume_run
    from relmine.runid import check_run_id
    from relmine.workers.tasks import train_run

    if resume is not None:
        if run_id is not None:
            raise click.UsageError("--resume RUN takes the run's own settings; drop --run-id")
        resume = check_run_id(resume)  # once: the library takes it as checked (relmine.runid.RunId)
        with gateway_from(ctx) as gw:
            resume_run(gw, resume)
            train_run.apply_async(args=[resume], queue="train")
            click.echo(f"run {resume} queued again on 'train' (continues from its last checkpoint)")
            if wait:
                follow(gw, resume, timeout)
        return
    if run_id is not None:
        run_id = check_run_id(run_id)
    spec = train_spec(**spec_fields)
    with gateway_from(ctx) as gw:
        check_trainable(gw, spec)
        run_id = create_run(gw, spec, run_id)
        train_run.apply_async(args=[run_id], queue="train")
        click.echo(f"run {run_id} queued on 'train'")
        if wait:
            follow(gw, run_id, timeout)


@click.command("refresh")
@click.option("--from", "source", default=None, metavar="RUN",
              help="The training run whose model to serve (default: the current run).")
@click.option("--run-id", default=None, help="Run id (default: a new refresh-... one).")
@click.option("--full", is_flag=True, default=False,
              help="Embed and write back every product, as a run of its own that becomes current (default: only the "
                   "products whose neighbourhood changed, written into the current run).")
@click.option("--wait/--no-wait", default=False, help="Follow the run's progress until it ends.")
@click.option("--timeout", default=7200.0, show_default=True, help="With --wait: give up after this many seconds.")
@click.pass_context
@friendly_errors
def refresh(ctx, source, run_id, full, wait, timeout) -> None:
    """Bring embeddings, attention and predicted relations up to date with the graph as it is now (new
    products, orders and relations), with the current run's model and no training (queue `train`, then
    `embed`). By default only the products whose k-hop neighbourhood changed since the current run's outputs
    were written are embedded again and written into the current run; with --full every product is, and the
    refresh becomes the current run. Retrain with `relmine train` (weekly, say)."""
    from relmine.learn.pipeline import create_refresh
    from relmine.runid import check_run_id
    from relmine.workers.tasks import train_run

    source, run_id = (None if given is None else check_run_id(given) for given in (source, run_id))
    with gateway_from(ctx) as gw:
        run_id, source = create_refresh(gw, source, run_id, full=full)
        train_run.apply_async(args=[run_id], queue="train")
        click.echo(f"run {run_id} queued on 'train' (refreshes {source}'s model)")
        if wait:
            follow(gw, run_id, timeout)


def follow(gw, run_id: str, timeout: float) -> None:
    """Print the run's log as it grows (every line, however fast the run goes) until it ends (``run_id``:
    checked by the command)."""
    from relmine.runs import TERMINAL, get_run

    deadline = time.monotonic() + timeout
    printed = 0
    while True:
        r = get_run(gw, run_id)
        printed = print_log(r, printed)
        if r["status"] in TERMINAL:
            if r["status"] == "failed":
                raise click.ClickException(f"run {run_id} failed: {r.get('error')}")
            if r["status"] == "cancelled":
                raise click.ClickException(f"run {run_id} was cancelled (resume: relmine train --resume {run_id})")
            click.echo(f"run {run_id} done")
            return
        if time.monotonic() > deadline:
            raise click.ClickException(f"run {run_id} still {r['status']} after {timeout:.0f}s")
        time.sleep(1)


def print_log(r: dict, printed: int) -> int:
    """Print the log lines appended since ``printed`` lines were; returns the new count."""
    lines, total = r.get("log") or [], r.get("log_count") or 0
    new = total - printed
    if new > len(lines):
        click.echo(f"... {new - len(lines)} earlier log lines no longer kept", err=True)
    for line in lines[len(lines) - min(new, len(lines)):] if new > 0 else []:
        click.echo(line, err=True)
    return total


@click.command("run-status")
@click.argument("run_id")
@click.option("--wait/--no-wait", default=False, help="Follow it until it ends.")
@click.option("--log-lines", default=10, show_default=True, help="How many of the run's last log lines to show.")
@click.pass_context
@friendly_errors
def run_status(ctx, run_id: str, wait: bool, log_lines: int) -> None:
    """Show a run's status and progress."""
    from relmine.runid import check_run_id

    run_id = check_run_id(run_id)
    with gateway_from(ctx) as gw:
        gw.verify()  # Neo4j down: one line now, not after importing torch (seconds)
        from relmine.runs import get_run

        if wait:
            follow(gw, run_id, 7200)
        r = get_run(gw, run_id)
    for key in ("id", "kind", "status", "stage", "epoch", "epochs", "loss", "partitions_done", "partitions_total",
                "metrics", "error"):
        if r.get(key) is not None:
            click.echo(f"{key}: {r[key]}")
    lines = (r.get("log") or [])[-log_lines:] if log_lines > 0 else []
    if lines and not wait:
        click.echo(f"log (last {len(lines)} of {r.get('log_count', len(lines))} lines):")
        for line in lines:
            click.echo(f"  {line}")


@click.command("run-cancel")
@click.argument("run_id")
@click.pass_context
@friendly_errors
def run_cancel(ctx, run_id: str) -> None:
    """Cancel a training run: its tasks stop at the next epoch or partition (resumable with --resume)."""
    from relmine.learn.pipeline import cancel_run
    from relmine.runid import check_run_id

    run_id = check_run_id(run_id)
    with gateway_from(ctx) as gw:
        r = cancel_run(gw, run_id)
    click.echo(f"run {run_id} {r['status']}")


@click.command("neighbours")
@click.argument("sku")
@click.option("-k", "--k", "k", default=10, show_default=True, help="How many.")
@click.pass_context
@friendly_errors
def neighbours(ctx, sku: str, k: int) -> None:
    """Nearest products to SKU by learned embedding (vector index): cosine, and the score (1 + cosine) / 2."""
    from relmine.learn.query import nearest

    with gateway_from(ctx) as gw:
        echo_table(nearest(gw, sku, k))


@click.command("predicted")
@click.argument("sku")
@click.option("-k", "--k", "k", default=10, show_default=True, help="How many.")
@click.pass_context
@friendly_errors
def predicted(ctx, sku: str, k: int) -> None:
    """Predicted relations of SKU (type, score, run)."""
    from relmine.learn.query import predicted_for

    with gateway_from(ctx) as gw:
        echo_table(predicted_for(gw, sku, k))
