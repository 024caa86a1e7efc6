"""``relmine init``, ``relmine migrate``, ``relmine doctor``, ``relmine worker``, ``relmine ping``."""

from __future__ import annotations

import click

from relmine.cli.common import echo_table, friendly_errors, gateway_from, settings_from


@click.command("init")
@click.pass_context
@friendly_errors
def init(ctx: click.Context) -> None:
    """Apply the graph schema (constraints and indexes); safe to run again."""
    from relmine.ingest.migrate import untimed_sources
    from relmine.schema import apply_schema

    with gateway_from(ctx) as gw:
        items = apply_schema(gw)
        untimed = untimed_sources(gw)
    echo_table([i.__dict__ for i in items], ["kind", "name", "type", "entity", "properties"])
    if untimed:
        click.echo(f"{untimed} order source(s) were ingested before relations carried first_seen / last_seen: "
                   "run `relmine migrate` to fill them in from the orders", err=True)


@click.command("migrate")
@click.option("--batch-size", default=20_000, show_default=True, help="Pairs per transaction.")
@click.option("--no-progress", is_flag=True, help="No progress bar or progress lines.")
@click.pass_context
@friendly_errors
def migrate(ctx: click.Context, batch_size: int, no_progress: bool) -> None:
    """Bring a graph ingested by an older relmine up to date: recompute first_seen / last_seen of
    CO_PURCHASED and RETURNED_TOGETHER from the orders' times, and bring older (:Run) records to the one run
    model (motif runs' metrics_json, training stages as status, missing flat metric_* figures). Safe to run
    again (changes nothing then)."""
    from relmine.ingest.migrate import migrate_relation_times
    from relmine.runs import migrate_runs

    if batch_size < 1:
        raise click.BadParameter("must be at least 1", param_hint="--batch-size")
    with gateway_from(ctx) as gw:
        report = migrate_relation_times(gw, settings_from(ctx).home, progress=not no_progress, batch_size=batch_size)
        migrated = migrate_runs(gw)
    echo_table([{"relation": "CO_PURCHASED", "pairs": report.co_purchased, "changed": report.co_purchased_changed},
                {"relation": "RETURNED_TOGETHER", "pairs": report.returned_together,
                 "changed": report.returned_together_changed}])
    unreadable = f" ({report.unreadable:,} whose time is no date or time, left out)" if report.unreadable else ""
    click.echo(f"{report.orders:,} orders with a time read{unreadable}, {report.sources} order source(s) marked, "
               f"{report.seconds:,.1f} s")
    click.echo(f"{migrated.runs} run(s) read: {migrated.metrics_json} motif run(s) from metrics_json, "
               f"{migrated.stages} training run(s) from a stage status, {migrated.flat} given flat metric_* figures")


@click.command("doctor")
@click.option("--worker-timeout", default=15.0, show_default=True, help="Seconds to wait for a worker's pong.")
@click.pass_context
def doctor(ctx: click.Context, worker_timeout: float) -> None:
    """Check Neo4j, GDS, vector indexes, the broker, a worker and torch; exit 1 on a failed required check."""
    from relmine.doctor import run_checks
    from relmine.workers.health import broker_detail, consumer_checks, worker_detail

    settings = settings_from(ctx)
    checks = run_checks(settings, broker=lambda: broker_detail(settings),
                        ping_worker=lambda: worker_detail(worker_timeout),
                        consumers=lambda: consumer_checks(min(worker_timeout, 5.0)))
    echo_table([{"check": c.name, "status": c.status, "detail": c.detail, "fix": "" if c.ok else c.fix}
                for c in checks])
    ctx.exit(1 if any(c.required and not c.ok for c in checks) else 0)


@click.command("worker")
@click.option("-Q", "--queues", default="train,embed,mine", show_default=True, help="Queues to consume.")
@click.option("-c", "--concurrency", default=1, show_default=True, help="Worker processes.")
@click.option("--pool", default="prefork", show_default=True, type=click.Choice(["prefork", "solo", "threads"]),
              help="Celery pool.")
@click.option("-l", "--loglevel", default="INFO", show_default=True, help="Log level.")
@click.option("-n", "--hostname", default=None, help="Worker node name (default celery@host).")
def worker(queues: str, concurrency: int, pool: str, loglevel: str, hostname: str | None) -> None:
    """Run a Celery worker in the foreground (Ctrl-C stops it after the current task)."""
    from relmine.workers.app import app

    if pool == "solo" and "train" in queues.split(","):
        # measured: RabbitMQ dropped a solo worker's connection after a 454 s training task (no
        # heartbeats while the task runs), and the task was delivered again
        click.echo("warning: --pool solo sends no broker heartbeats while a task runs; long `train` tasks "
                   "may be delivered twice. Use the prefork pool (the default) for queue train.", err=True)
    argv = ["worker", "-Q", queues, "-c", str(concurrency), "--pool", pool, "-l", loglevel,
            "--without-gossip", "--without-mingle"]
    if hostname:
        argv += ["-n", hostname]
    app.worker_main(argv)


@click.command("ping")
@click.option("--queue", default="mine", show_default=True, type=click.Choice(["train", "embed", "mine"]),
              help="Queue to send the ping on.")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait for the answer.")
@friendly_errors
def ping(queue: str, timeout: float) -> None:
    """Round-trip a ping through a worker; print who answered."""
    from relmine.workers.health import ping_worker

    answer = ping_worker(queue, timeout)
    click.echo(f"pong {answer['pong']} from pid {answer['pid']} on {answer['host']} via {answer['queue']} "
               f"({answer['device']})")
