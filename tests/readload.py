"""Readers under write load (issue 29): reader processes, the phases of a run, and the mix check.

Used by ``tests/integration/test_readers_load.py`` (small) and ``bench/readers.py`` (moderate size).

A **read** is one query of one reader about one product ``p`` (a random sku). The reader kinds:

* ``neighbours``: what ``relmine neighbours`` runs (:func:`relmine.learn.query.nearest`): p's nearest
  products through the vector index, with the cosine of each and the run the vectors are from;
* ``recommend``: what ``relmine recommend`` runs (:func:`relmine.recommend.recommend`, kind
  ``any``, ``k`` 20): observed, rule, predicted, embedding and shared-neighbour evidence;
* ``bi/<name>``: each file of ``cypher/bi`` with its ``:params`` example, its ``sku`` (``exclude``)
  set to p; ``bi/recommend_for_product`` with ``k`` 20.

From each read the reader keeps what it saw: the runs of the ``[:PREDICTED]`` it returned
(``predicted``), every ``(q, cosine)`` of its embedding evidence (``cosines``: the cosine between p's
vector and q's, as the reader computed it) and the runs it says those vectors are from (``claimed``).

**A mix** is a read that combined two training runs. After the load, every product's vector of each
run is known (read when that run was done), and a read is a mix when

1. its ``[:PREDICTED]`` come from more than one run; or
2. no single run R has vectors that give every cosine it returned (``|cos_R(p, q) - c| <= 1e-4`` for
   every pair): p's vector and a neighbour's were of different runs, or a vector of one run was
   scored against an index of another; or
3. it returned both, and the run of its ``[:PREDICTED]`` is not a run R of rule 2 (a product's
   predicted relations from one run and its embedding from another); or
4. it names runs for its vectors (``claimed``) that are not a run R of rule 2.

A **gap** is a read of ``neighbours`` or ``recommend`` that found no embedding evidence, or
(``recommend``) no predicted evidence, although every product has both in every run: not a mix,
but a reader that saw less than a complete run.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

TOLERANCE = 1e-4  # on a cosine: the index scores in float32, the vectors are stored as float64
NEIGHBOURS_K = 10
RECOMMEND_K = 20
PHASES = ("idle", "train", "write-back", "switch", "ingest", "refresh")
TERMINAL = ("done", "failed", "cancelled")


def reader_kinds() -> list[str]:
    from relmine import cypher

    return ["neighbours", "recommend", *cypher.names("bi")]


# -- one read ---------------------------------------------------------------------------------------
def _bi_params(name: str, sku: str) -> dict:
    from relmine import cypher

    params = json.loads(cypher.params_example(name))
    if "sku" in params:
        params["sku"] = sku
    if "exclude" in params:
        params["exclude"] = sku
    if name == "bi/recommend_for_product":
        params.update(k=RECOMMEND_K, kind="any")
    return params


_RUN_IN_REASON = re.compile(r"\brun ([\w.:-]+)\)")


def read_once(gw, kind: str, sku: str) -> dict:
    """One read of ``kind`` about ``sku``: what it saw (see the module's docstring)."""
    seen = {"predicted": [], "cosines": [], "claimed": [], "gap": False}
    if kind == "neighbours":
        from relmine.learn.query import nearest

        rows = nearest(gw, sku, NEIGHBOURS_K)
        seen["cosines"] = [[r["sku"], float(r["cosine"])] for r in rows]
        seen["claimed"] = sorted({r["run"] for r in rows if r.get("run")})
        seen["gap"] = not rows
    elif kind == "recommend":
        from relmine.recommend import recommend

        result = recommend(gw, sku, k=RECOMMEND_K, kind="any")
        for item in result.items:
            for e in item.evidence:
                if e.source == "predicted":
                    seen["predicted"] += list(e.details.get("runs") or [])
                elif e.source == "embedding":
                    seen["cosines"].append([item.sku, float(e.details["cosine"])])
                    if e.details.get("run"):
                        seen["claimed"].append(e.details["run"])
        seen["gap"] = not result.sources.get("embedding") or not result.sources.get("predicted")
    elif kind == "bi/recommend_for_product":
        for row in gw.read(kind, _bi_params(kind, sku)):
            for e in row["evidence"]:
                if e["source"] == "predicted":
                    # the run is in the evidence (and in the reason: "…, run X)")
                    seen["predicted"] += [e["run"]] if e.get("run") else \
                        [m.group(1) for m in map(_RUN_IN_REASON.search, row["reasons"]) if m]
                elif e["source"] == "embedding" and e["score"] > 0:  # the score is max(0, cosine)
                    seen["cosines"].append([row["sku"], float(e["score"])])
                    if e.get("run"):
                        seen["claimed"].append(e["run"])
    else:
        gw.read(kind, _bi_params(kind, sku))
    seen["predicted"] = sorted(set(seen["predicted"]))
    seen["claimed"] = sorted(set(seen["claimed"]))
    return seen


def _reader(number: int, env: dict, kinds: list[str], skus: list[str], think_s: float, ready, stop, out: str,
            seed: int) -> None:
    """A reader process: reads every kind once (not recorded), says it is ready, then reads until ``stop`` is
    set, each read's record a JSON line in ``out``."""
    os.environ.update(env)
    from relmine.config import Settings
    from relmine.gateway import Gateway

    rng = random.Random(seed * 1000 + number)
    records = []
    with Gateway(Settings.from_env(env), app=f"relmine-reader-{number}") as gw:
        for kind in kinds:
            try:
                read_once(gw, kind, rng.choice(skus))
            except Exception:  # noqa: BLE001 (a warm-up read; the recorded ones count)
                pass
        ready.release()
        n = number
        while not stop.is_set():
            kind, sku = kinds[n % len(kinds)], rng.choice(skus)
            n += 1
            t0 = time.time()
            try:
                rec = read_once(gw, kind, sku)
                rec["error"] = None
            except Exception as exc:  # noqa: BLE001 (every error a reader sees is what we count)
                rec = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]}
            rec.update(kind=kind, sku=sku, reader=number, t0=t0, t1=time.time())
            records.append(rec)
            if think_s:
                time.sleep(rng.uniform(0.5, 1.5) * think_s)
    import resource

    records.append({"kind": "_process", "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
    Path(out).write_text("".join(json.dumps(r) + "\n" for r in records))


class ReaderPool:
    """``n`` reader processes (each its own driver, as separate BI clients are), reading in turn every kind."""

    def __init__(self, env: dict, n: int, skus: list[str], folder: Path, *, kinds: list[str] | None = None,
                 think_s: float = 0.0, seed: int = 0):
        self.ctx = mp.get_context("spawn")
        self.stop_event = self.ctx.Event()
        self.ready = self.ctx.Semaphore(0)
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        kinds = kinds or reader_kinds()
        child_env = {k: v for k, v in env.items() if k.startswith(("NEO4J_", "RELMINE_", "PATH", "HOME"))}
        self.procs = [self.ctx.Process(target=_reader, args=(i, child_env, kinds, skus, think_s, self.ready,
                                                             self.stop_event, str(self.folder / f"reader-{i}.jsonl"),
                                                             seed), daemon=True)
                      for i in range(n)]

    def __enter__(self) -> "ReaderPool":
        """Start the readers; return once each has read every kind once (query plans compiled, drivers connected)."""
        for p in self.procs:
            p.start()
        for p in self.procs:
            if not self.ready.acquire(timeout=300):
                self.__exit__(None, None, None)
                raise RuntimeError("reader processes did not start within 300 s")
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        for p in self.procs:
            p.join(120)
            if p.is_alive():
                p.kill()

    def records(self) -> list[dict]:
        """Every read of every reader (a reader that died is one error record)."""
        out = []
        self.peak_rss = 0
        for i, p in enumerate(self.procs):
            path = self.folder / f"reader-{i}.jsonl"
            if p.exitcode != 0 or not path.exists():
                out.append({"kind": "reader", "error": f"reader {i} exited {p.exitcode}", "t0": 0, "t1": 0})
                continue
            for line in path.read_text().splitlines():
                rec = json.loads(line)
                if rec["kind"] == "_process":
                    self.peak_rss = max(self.peak_rss, rec["peak_rss"])
                else:
                    out.append(rec)
        return out


# -- phases -----------------------------------------------------------------------------------------
@dataclass
class Timeline:
    """Named phases by wall-clock start; a read belongs to the phase in which it started."""

    marks: list[tuple[str, float]] = field(default_factory=list)

    def mark(self, name: str) -> None:
        self.marks.append((name, time.time()))

    def phase_of(self, t: float) -> str | None:
        name = None
        for n, start in self.marks:
            if start > t:
                break
            name = n
        return name

    def span(self, name: str) -> tuple[float, float]:
        for i, (n, start) in enumerate(self.marks):
            if n == name:
                return start, self.marks[i + 1][1] if i + 1 < len(self.marks) else float("inf")
        raise KeyError(name)


def follow_run(gw, run_id: str, timeline: Timeline, *, timeout: float, poll_s: float = 0.1,
               on_poll: Callable[[dict], None] | None = None, creator: subprocess.Popen | None = None) -> dict:
    """Mark ``write-back`` when the run starts writing back (status ``embedding``) and ``switch`` when its
    last partition is written (the switch begins); return its record once it ends. ``creator``: the process
    that creates the run (a failure of it before the run exists is raised)."""
    deadline = time.monotonic() + timeout
    seen = {n for n, _ in timeline.marks}
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} did not end within {timeout:.0f}s")
        row = gw.read_one("runs/get_run", {"run_id": run_id})  # as pipeline.get_run, without importing torch here
        if row is None or row["run"] is None:  # not created yet (the CLI that creates it is starting)
            if creator is not None and creator.poll():
                raise RuntimeError(f"relmine train exited {creator.returncode}: {creator.communicate()}")
            time.sleep(poll_s)
            continue
        run = {**row["run"], "partitions_total": row["partitions_total"], "partitions_done": row["partitions_done"]}
        if on_poll:
            on_poll(run)
        total, done = run["partitions_total"], run["partitions_done"]
        if "write-back" not in seen and (run.get("stage") == "embedding" or run["status"] in TERMINAL):
            timeline.mark("write-back")
            seen.add("write-back")
        if "switch" not in seen and ((total and done >= total) or run["status"] in TERMINAL):
            timeline.mark("switch")
            seen.add("switch")
        if run["status"] in TERMINAL:
            return run
        time.sleep(poll_s)


# -- the check --------------------------------------------------------------------------------------
def run_vectors(gw) -> dict[str, dict[str, np.ndarray]]:
    """Every product's written vector, by run (unit length), as ``p.embedding`` holds them now."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for r in gw.read("learn/product_embeddings"):
        v = np.asarray(r["embedding"], dtype=np.float64)
        norm = np.linalg.norm(v)
        out.setdefault(r["run"], {})[r["sku"]] = v / norm if norm > 0 else v
    return out


def runs_explaining(rec: dict, vectors: dict[str, dict[str, np.ndarray]]) -> set[str]:
    """The runs whose vectors give every cosine of the read (rule 2 of the module's docstring)."""
    p = rec["sku"]
    found = set()
    for run, vec in vectors.items():
        if p in vec and all(q in vec and abs(float(vec[p] @ vec[q]) - c) <= TOLERANCE for q, c in rec["cosines"]):
            found.add(run)
    return found


def check(records: list[dict], vectors: dict[str, dict[str, np.ndarray]]) -> None:
    """Mark each read ``mix`` (True/False) with a ``why`` when it is one (rules 1-4 of the docstring)."""
    for rec in records:
        rec["mix"], rec["why"] = False, None
        if rec.get("error"):
            continue
        predicted, claimed = set(rec.get("predicted") or ()), set(rec.get("claimed") or ())
        if len(predicted) > 1:
            rec["mix"], rec["why"] = True, f"[:PREDICTED] of runs {sorted(predicted)}"
            continue
        if not rec.get("cosines"):
            continue
        runs = runs_explaining(rec, vectors)
        if not runs:
            rec["mix"], rec["why"] = True, "no single run's vectors give its cosines"
        elif predicted and not predicted & runs:
            rec["mix"], rec["why"] = True, f"[:PREDICTED] of {sorted(predicted)}, vectors of {sorted(runs)}"
        elif claimed and not claimed <= runs:
            rec["mix"], rec["why"] = True, f"says vectors of {sorted(claimed)}, they are of {sorted(runs)}"


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def summarise(records: list[dict], timeline: Timeline, phases=PHASES) -> list[dict]:
    """One row per reader kind and phase (and ``all`` kinds): count, p50/p99 ms, errors, mixes, gaps,
    and the p50/p99 against the same kind's idle ones."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for rec in records:
        phase = timeline.phase_of(rec["t0"])
        if phase in phases:
            for kind in (rec["kind"], "all"):
                groups.setdefault((kind, phase), []).append(rec)
    kinds = sorted({k for k, _ in groups} - {"all"}) + ["all"]
    rows = []
    for kind in kinds:
        idle = None
        for phase in phases:
            recs = groups.get((kind, phase), [])
            ok = [1000 * (r["t1"] - r["t0"]) for r in recs if not r.get("error")]
            row = {"kind": kind, "phase": phase, "count": len(recs), "p50_ms": _pct(ok, 50), "p99_ms": _pct(ok, 99),
                   "errors": sum(1 for r in recs if r.get("error")), "mixes": sum(1 for r in recs if r.get("mix")),
                   "gaps": sum(1 for r in recs if r.get("gap"))}
            if phase == "idle":
                idle = row
            row["p50_x"] = row["p50_ms"] / idle["p50_ms"] if idle and idle["p50_ms"] else float("nan")
            row["p99_x"] = row["p99_ms"] / idle["p99_ms"] if idle and idle["p99_ms"] else float("nan")
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    head = f"{'reader':<42}{'phase':<12}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'p50 x':>7}{'p99 x':>7}" \
           f"{'errors':>8}{'mixes':>7}{'gaps':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['kind']:<42}{r['phase']:<12}{r['count']:>7}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
                     f"{r['p50_x']:>7.2f}{r['p99_x']:>7.2f}{r['errors']:>8}{r['mixes']:>7}{r['gaps']:>6}")
    return "\n".join(lines)


# -- the scenario -----------------------------------------------------------------------------------
def relmine_cli(args: list[str], env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "relmine.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def measured_cli(args: list[str], env: dict, folder: Path, timeout: float) -> tuple[subprocess.CompletedProcess, int]:
    """``relmine ARGS`` and its peak RSS in bytes, from ``/usr/bin/time -f %M`` around it (0 without it): a
    child's own ``ru_maxrss`` can start from the parent's high-water mark (vfork; bench/ingest_orders_impl.py)."""
    if not Path("/usr/bin/time").exists():
        return relmine_cli(args, env, timeout), 0
    Path(folder).mkdir(parents=True, exist_ok=True)
    rss = Path(folder) / "cli_rss.txt"
    done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(rss), sys.executable, "-m", "relmine.cli.main",
                           *args], env=env, capture_output=True, text=True, timeout=timeout)
    try:
        return done, int(rss.read_text().split()[-1]) * 1024
    except (OSError, ValueError, IndexError):
        return done, 0


def renamed_orders(source: Path, target: Path, prefix: str = "N") -> Path:
    """``source``'s orders with new ids (``O…`` -> ``N…``): new orders of the same catalogue."""
    lines = source.read_text().splitlines(keepends=True)
    target.write_text(lines[0] + "".join(prefix + line[1:] if line.startswith("O") else line for line in lines[1:]))
    return target


@dataclass
class Scenario:
    """A second training run's write-back and switch over a graph with a done run, then an ingest, then a
    full refresh of the second run's model over the graph with the new orders (its own write-back and switch)."""

    env: dict                 # of the CLI and the readers (the worker runs apart, on the same broker)
    run_id: str               # the second run
    train_args: list[str]     # its `relmine train` options
    new_orders: Path          # ingested after the switch
    folder: Path
    refresh_id: str = ""      # the refresh after the ingest (`relmine refresh`; default: the run's id + "-refresh")
    readers: int = 16
    think_s: float = 0.0
    warmup_s: float = 5.0
    idle_s: float = 20.0
    timeout_s: float = 1800.0
    kinds: list[str] | None = None
    log: Callable[[str], None] = lambda line: None
    # queues the second run in this process instead of `relmine train` (whose start-up, importing torch, takes
    # a minute on a busy machine): a test that has torch loaded already
    queue: Callable[["Scenario"], None] | None = None


@dataclass
class Outcome:
    records: list[dict]
    timeline: Timeline
    run: dict
    ingest: subprocess.CompletedProcess
    train: subprocess.CompletedProcess
    seconds: dict[str, float]  # of each phase
    reader_peak_rss: int       # bytes: the largest of the reader processes'
    ingest_peak_rss: int       # bytes: the ingest process's


def play(gw, scn: Scenario) -> Outcome:
    """Readers from before the idle phase to after the refresh; each read checked for a mix.

    The graph must hold a done, current training run (its vectors are read first)."""
    before = run_vectors(gw)
    skus = sorted(next(iter(before.values())).keys()) if before else []
    if len(before) != 1 or not skus:
        raise RuntimeError(f"expected the vectors of one done run, found runs {sorted(before)}")
    timeline = Timeline()
    timeline.mark("warm-up")
    with ReaderPool(scn.env, scn.readers, skus, scn.folder / "readers", kinds=scn.kinds, think_s=scn.think_s) as pool:
        time.sleep(scn.warmup_s)
        timeline.mark("idle")
        time.sleep(scn.idle_s)
        timeline.mark("train")
        # in the background: the command returns once the run is queued, but its start-up (torch) is slow on a
        # busy machine, and the run is followed from the moment it exists
        queuing = None
        if scn.queue is not None:
            scn.queue(scn)
        else:
            queuing = subprocess.Popen([sys.executable, "-m", "relmine.cli.main", "train", *scn.train_args,
                                        "--run-id", scn.run_id], env=scn.env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        last = {"line": None}

        def show(run: dict) -> None:
            line = (run.get("log") or [None])[-1]
            if line and line != last["line"]:
                last["line"] = line
                scn.log(f"  {line}")

        try:
            run = follow_run(gw, scn.run_id, timeline, timeout=scn.timeout_s, on_poll=show, creator=queuing)
        finally:
            out, err = queuing.communicate(timeout=300) if queuing is not None else ("", "")
        queued = subprocess.CompletedProcess(queuing.args if queuing else ["queue"],
                                             queuing.returncode if queuing else 0, out, err)
        if queued.returncode != 0:
            raise RuntimeError(f"relmine train failed: {out}{err}")
        timeline.mark("ingest")
        ingest, ingest_rss = measured_cli(["ingest", "orders", str(scn.new_orders), "--no-progress"], scn.env,
                                          scn.folder, scn.timeout_s)
        second = run_vectors(gw)  # the second run's vectors, before the refresh replaces them
        timeline.mark("refresh")
        refresh_id = scn.refresh_id or f"{scn.run_id}-refresh"
        # --full: the refresh switched in with its own write-back (the in-place incremental refresh, the default,
        # rewrites the serving run's vectors under it, which this check would read as a mix of two)
        refreshing = relmine_cli(["refresh", "--full", "--run-id", refresh_id, "--wait", "--timeout",
                                  str(int(scn.timeout_s))],
                                 scn.env, timeout=scn.timeout_s + 60)
        if refreshing.returncode != 0:
            raise RuntimeError(f"relmine refresh failed: {refreshing.stdout}{refreshing.stderr}")
        timeline.mark("end")
        time.sleep(0.5)
    records = pool.records()
    after = run_vectors(gw)
    check(records, {**before, **second, **after})
    seconds = {}
    for name in PHASES:
        start, end = timeline.span(name)
        seconds[name] = end - start
    return Outcome(records, timeline, run, ingest, queued, seconds, pool.peak_rss, ingest_rss)
