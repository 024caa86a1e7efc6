"""Readers under write load (issue 29): what BI tools and a "related products" widget see while relmine writes.

    python bench/readers.py [--products 5000] [--orders-per-product 5] [--readers 16] [--think-ms 0]
                            [--idle-s 30] [--epochs 3] [--partition-size 1000] [--out out/readers]
                            [--bolt-port 7697] [--http-port 7484] [--broker URL] [--keep-server]

On a Neo4j of its own (``--out``/home, ``--bolt-port``/``--http-port``: never the tests' server; it is
wiped) and, unless ``--broker`` names one, kombu's filesystem broker in that home (no RabbitMQ vhost
shared with the tests):

1. ``relmine generate --products N --orders N*orders-per-product``, ``relmine ingest catalog`` and
   ``ingest orders``; a real worker (``relmine worker``, prefork, one child) trains a first run,
   ``relmine train --epochs E --partition-size P --seed 1 --wait``: the graph has a done, current run;
2. ``--readers`` reader processes (``tests/readload.py``: ``relmine neighbours``, ``relmine recommend``
   and every ``cypher/bi`` query, in turn, on random products; ``--think-ms`` between reads) read
   through six phases: ``idle`` (``--idle-s`` with nothing writing), ``train`` (a second run,
   ``--seed 2``, pulling and training on the worker), ``write-back`` (its partitions written:
   staged vectors, attention and ``[:PREDICTED]``), ``switch`` (from its last partition to done:
   the switch, the vectors copied into place, older predictions deleted) and ``ingest`` (``relmine
   ingest orders`` of new orders: the second generated file's orders under new ids) and ``refresh``
   (``relmine refresh --full --wait``: the second run's model over the graph with those orders, its own
   write-back and switch);
3. every read is checked for a mix of the two runs against both runs' vectors (tests/readload.py
   defines it).

Prints, per reader kind and phase, the reads, p50/p99 latency in ms and their ratio against the same
kind's idle phase, errors, mixes and gaps; the phases' lengths; and wall time beside peak RSS of each
process (ingest CLI, worker, the largest reader, the Neo4j server's JVM). Last line: a JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.userpath import Worker, cli, gb  # noqa: E402
from tests.readload import PHASES, Scenario, play, renamed_orders, summarise, table  # noqa: E402


def log(msg: str) -> None:
    print(f"[readers {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class HomeWorker(Worker):
    """:class:`bench.userpath.Worker` on the bench's own ``RELMINE_HOME``, where the filesystem broker lives
    (userpath's worker takes a home of its own, which needs a shared broker server)."""

    def __init__(self, env: dict, queues: str = "train,embed"):
        self.env = {**env, "PYTHONUNBUFFERED": "1"}
        self.home = Path(env["RELMINE_HOME"])
        self.log = self.home / "worker.log"
        self.queues = queues
        self.proc = None
        self._peak = 0


def bench_env(args) -> dict:
    """The environment of every process of the bench: its own home and ports, its own broker."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_PASSWORD_FILE", "RELMINE_BROKER_URL", "RELMINE_ENV_FILE")}
    env.update(RELMINE_HOME=str(args.home), RELMINE_BOLT_PORT=str(args.bolt_port),
               RELMINE_HTTP_PORT=str(args.http_port))
    if args.broker:
        env["RELMINE_BROKER_URL"] = args.broker
    return env


def step(name: str, argv: list[str], env: dict, stages: list, timeout: float = 3600) -> None:
    m = cli(argv, env, timeout=timeout)
    stages.append({"stage": name, "seconds": round(m.seconds, 1), "peak_rss": m.peak_rss})
    log(f"{name}: {m.seconds:,.1f}s, peak RSS {gb(m.peak_rss)}")
    if m.returncode != 0:
        raise SystemExit(f"{name} failed ({m.returncode}): {(m.stderr or m.stdout)[-2000:]}")


def server_peak_rss(env: dict) -> int:
    """Bytes: the Neo4j JVM's peak resident set (``VmHWM``) so far."""
    from relmine.config import Settings
    from relmine.server import LocalNeo4j

    pid = LocalNeo4j(Settings.from_env(env)).status().pid
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, TypeError):
        pass
    return 0


def wipe(env: dict) -> None:
    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.schema import apply_schema, empty_graph

    with Gateway(Settings.from_env(env), app="relmine-bench") as gw:
        empty_graph(gw)
        for name in ("learn/drop_embedding_index", "learn/drop_staged_embedding_index"):
            gw.write(name)  # their dimensions belong to the data that was there
        apply_schema(gw)


def _finite(value):
    """``value`` with NaN (a phase without reads) as None, so the last line is strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=5000, help="relmine generate --products")
    ap.add_argument("--orders-per-product", type=int, default=5, help="orders generated per product")
    ap.add_argument("--readers", type=int, default=16, help="concurrent reader processes")
    ap.add_argument("--think-ms", type=float, default=0.0, help="mean pause of a reader between reads")
    ap.add_argument("--idle-s", type=float, default=30.0, help="seconds of the idle phase")
    ap.add_argument("--epochs", type=int, default=3, help="relmine train --epochs (both runs)")
    ap.add_argument("--partition-size", type=int, default=1000, help="relmine train --partition-size")
    ap.add_argument("--train-arg", action="append", default=[], help="extra relmine train argument (repeatable)")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "readers", help="working folder")
    ap.add_argument("--home", type=Path, default=None, help="RELMINE_HOME of the bench (default OUT/home)")
    ap.add_argument("--bolt-port", type=int, default=7697, help="Bolt port of the bench's own Neo4j")
    ap.add_argument("--http-port", type=int, default=7484, help="HTTP port of the bench's own Neo4j")
    ap.add_argument("--broker", default=None, help="a RabbitMQ URL (default: the filesystem broker in the home)")
    ap.add_argument("--keep-server", action="store_true", help="leave the bench's Neo4j running")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds for each run")
    args = ap.parse_args()
    args.out = args.out.resolve()
    args.home = (args.home or args.out / "home").resolve()
    args.home.mkdir(parents=True, exist_ok=True)
    env = bench_env(args)
    stages: list[dict] = []
    t_start = time.monotonic()
    step("neo4j start", ["neo4j", "start"], env, stages)
    try:
        return run(args, env, stages, t_start)
    finally:
        if not args.keep_server:
            cli(["neo4j", "stop"], env)


def run(args, env: dict, stages: list, t_start: float) -> int:
    from relmine.config import Settings
    from relmine.gateway import Gateway

    step("init", ["init"], env, stages)
    wipe(env)
    data, later = args.out / "data", args.out / "later"
    n, orders = args.products, args.products * args.orders_per_product
    if not (data / "orders.csv").exists():
        step("generate", ["generate", "--products", str(n), "--orders", str(orders), "--out", str(data)], env, stages)
    if not (later / "orders.csv").exists():
        step("generate (new orders)", ["generate", "--products", str(n), "--orders", str(max(1, orders // 5)),
                                       "--seed", "8", "--out", str(later)], env, stages)
    new_orders = renamed_orders(later / "orders.csv", args.out / "new_orders.csv")
    step("ingest catalog", ["ingest", "catalog", str(data / "catalog.csv"), "--no-progress"], env, stages)
    step("ingest orders", ["ingest", "orders", str(data / "orders.csv"), "--no-progress"], env, stages)
    train = ["--epochs", str(args.epochs), "--partition-size", str(args.partition_size), *args.train_arg]
    tag = time.strftime("%Y%m%d-%H%M%S")
    first, second = f"train-readers-a-{tag}", f"train-readers-b-{tag}"
    worker = HomeWorker(env) if not args.broker else Worker(env, args.home / "worker")
    with worker:
        step("train (first run, no readers)", ["train", *train, "--seed", "1", "--run-id", first, "--wait",
                                               "--timeout", str(int(args.timeout))], env, stages, args.timeout + 60)
        first_peak = worker.peak_rss()
        scn = Scenario(env=env, run_id=second, train_args=[*train, "--seed", "2"], new_orders=new_orders,
                       folder=args.out / "load", readers=args.readers, think_s=args.think_ms / 1000,
                       idle_s=args.idle_s, timeout_s=args.timeout, log=log)
        with Gateway(Settings.from_env(env), app="relmine-bench") as gw:
            log(f"{args.readers} readers, second run {second}")
            out = play(gw, scn)
        worker_peak = worker.peak_rss()
    if out.run["status"] != "done":
        log(f"second run {out.run['status']}: {out.run.get('error')}\n{worker.tail()}")
    if out.ingest.returncode != 0:
        log(f"ingest failed: {out.ingest.stderr[-2000:]}")
    rows = summarise(out.records, out.timeline)
    print(table(rows))
    phases = ", ".join(f"{p} {out.seconds[p]:,.1f}s" for p in PHASES)
    print(f"phases: {phases}")
    errors = [r for r in out.records if r.get("error")]
    mixes = [r for r in out.records if r.get("mix")]
    for r in errors[:5]:
        print(f"error: {r['kind']} {r.get('sku')}: {r['error']}")
    for r in mixes[:5]:
        print(f"mix: {r['kind']} {r['sku']}: {r['why']}")
    every = {r["phase"]: r for r in rows if r["kind"] == "all"}
    wb, idle = every["write-back"], every["idle"]
    print(f"write-back cost (all readers): p50 {wb['p50_ms']:.1f} ms vs idle {idle['p50_ms']:.1f} ms "
          f"({wb['p50_x']:.2f}x), p99 {wb['p99_ms']:.1f} vs {idle['p99_ms']:.1f} ms ({wb['p99_x']:.2f}x)")
    server_peak = server_peak_rss(env)
    print(f"{'process':<40}{'seconds':>10}{'peak RSS':>12}")
    for s in stages:
        print(f"{s['stage']:<40}{s['seconds']:>10,.1f}{gb(s['peak_rss']):>12}")
    span = out.timeline.span("train")[0], out.timeline.span("ingest")[0]
    print(f"{'second run (train to done, readers on)':<40}{span[1] - span[0]:>10,.1f}{gb(worker_peak):>12}")
    print(f"{'ingest new orders (readers on)':<40}{out.seconds['ingest']:>10,.1f}{gb(out.ingest_peak_rss):>12}")
    print(f"{'a reader process (largest)':<40}{'-':>10}{gb(out.reader_peak_rss):>12}")
    print(f"{'Neo4j server (JVM, whole bench)':<40}{time.monotonic() - t_start:>10,.1f}{gb(server_peak):>12}")
    print(json.dumps(_finite({"products": args.products, "readers": args.readers, "think_ms": args.think_ms,
                      "runs": [first, second], "second_run_status": out.run["status"], "rows": rows,
                      "phase_seconds": out.seconds, "stages": stages, "reads": len(out.records),
                      "errors": len(errors), "mixes": len(mixes),
                      "peak_rss": {"worker_first_run": first_peak, "worker": worker_peak,
                                   "ingest": out.ingest_peak_rss, "reader": out.reader_peak_rss,
                                   "neo4j": server_peak}}), default=str))
    return 0 if out.run["status"] == "done" and not errors and not mixes else 1


if __name__ == "__main__":
    sys.exit(main())
