"""Benchmark: peak RSS of ``relmine ingest orders`` against the file's size (issue 13 item 6).

Generated order files (``relmine generate``: 50k products, ~3.1 lines an order, orders contiguous)
of each ``--sizes`` line count are ingested into an empty database by a real ``relmine ingest
orders`` process, once with the default ``--chunk-mb`` (orders grouped a chunk at a time, the rest
on disk) and, for ``--in-memory-sizes``, once with ``--chunk-mb 1000000`` (the whole file grouped in
memory: the way before chunking, the named baseline). The peak RSS of the process comes from
``wait4`` (``ru_maxrss``); the wall time and lines/s from the same run.

    python bench/ingest_memory.py --wipe --sizes 250000,1000000 --in-memory-sizes 250000,1000000

Ratios: ``chunked_growth`` = peak RSS at the largest size / at the smallest (flat: about 1.0);
``in_memory_growth`` the same for the baseline; ``chunked_vs_in_memory`` at each size both ran.
Last line: a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINES_PER_ORDER = 3.09  # the generator's mean basket of 3 plus repeated lines, measured on 466k orders


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_file(lines: int, folder: Path, products: int, seed: int) -> Path:
    from relmine.ingest.generate import GeneratorSpec, generate

    out = folder / f"orders_{lines}"
    if not (out / "orders.csv").exists():
        t0 = time.perf_counter()
        generate(GeneratorSpec(products=products, orders=max(1, round(lines / LINES_PER_ORDER)), seed=seed), out)
        log(f"generated {out / 'orders.csv'} in {time.perf_counter() - t0:.0f}s")
    return out / "orders.csv"


def count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh) - 1


def run_ingest(path: Path, chunk_mb: float, home: Path) -> dict:
    """One ``relmine ingest orders`` process: its summary, wall time and peak RSS."""
    env = dict(os.environ, RELMINE_HOME=str(home))
    cmd = [sys.executable, "-m", "relmine.cli.main", "ingest", "orders", str(path), "--json",
           "--chunk-mb", str(chunk_mb), "--keep-service-lines"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=None)  # progress lines pass through
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"relmine ingest failed ({status}): {out.decode()[-2000:]}")
    report = json.loads(out.decode().strip().splitlines()[-1])
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "lines": report["counts"]["read"], "lines_per_s": round(report["counts"]["read"] / seconds, 1),
            "chunks": report["counts"]["notes"].get("order_chunks", 1),
            "pairs": report["counts"]["notes"].get("co_purchased_pairs", 0)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="250000,1000000", help="Order lines of the files ingested chunked.")
    ap.add_argument("--in-memory-sizes", default="250000", help="Sizes also ingested whole in memory (baseline).")
    ap.add_argument("--products", type=int, default=50_000, help="Products of the generated files.")
    ap.add_argument("--seed", type=int, default=7, help="Generator seed.")
    ap.add_argument("--chunk-mb", type=float, default=16.0, help="--chunk-mb of the chunked runs.")
    ap.add_argument("--folder", type=Path, default=None, help="Where the generated files go (default: a tmp dir).")
    ap.add_argument("--wipe", action="store_true", help="Empty the database before each run.")
    args = ap.parse_args()

    from relmine.config import Settings
    from relmine.gateway import connect
    from relmine.schema import apply_schema, empty_graph

    settings = Settings.from_env()
    gw = connect(settings)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    baseline_sizes = sorted(int(s) for s in args.in_memory_sizes.split(",") if s)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="relmine-bench-mem-"))
    folder.mkdir(parents=True, exist_ok=True)
    runs: list[dict] = []
    for size in sorted(set(sizes) | set(baseline_sizes)):
        path = make_file(size, folder, args.products, args.seed)
        for mode, chunk in (("chunked", args.chunk_mb), ("in-memory", 1_000_000.0)):
            if (mode == "chunked" and size not in sizes) or (mode == "in-memory" and size not in baseline_sizes):
                continue
            if args.wipe:
                empty_graph(gw)
                apply_schema(gw)
            log(f"-- {mode}: {path} ({size:,} lines requested), --chunk-mb {chunk:g}")
            run = {"mode": mode, "size": size, "file_mb": round(path.stat().st_size / 2**20, 1),
                   **run_ingest(path, chunk, settings.home)}
            log(f"   {run}")
            runs.append(run)
    gw.close()

    print(f"{'mode':<10} {'lines':>10} {'file MB':>8} {'chunks':>6} {'pairs':>10} {'seconds':>8} "
          f"{'lines/s':>8} {'peak RSS MB':>11}")
    for r in runs:
        print(f"{r['mode']:<10} {r['lines']:>10,} {r['file_mb']:>8} {r['chunks']:>6} {r['pairs']:>10,} "
              f"{r['seconds']:>8} {r['lines_per_s']:>8,.0f} {r['peak_rss_mb']:>11}")
    chunked = [r for r in runs if r["mode"] == "chunked"]
    memory = [r for r in runs if r["mode"] == "in-memory"]
    out: dict = {"runs": runs, "baseline": "the same ingest with --chunk-mb 1000000 (whole file grouped in memory)",
                 "machine": "shared, loaded (other engineers' jobs running)"}
    if len(chunked) > 1:
        out["chunked_growth"] = round(chunked[-1]["peak_rss_mb"] / chunked[0]["peak_rss_mb"], 3)
    if len(memory) > 1:
        out["in_memory_growth"] = round(memory[-1]["peak_rss_mb"] / memory[0]["peak_rss_mb"], 3)
    both = {r["size"]: r for r in memory}
    out["chunked_vs_in_memory"] = {str(r["size"]): round(r["peak_rss_mb"] / both[r["size"]]["peak_rss_mb"], 3)
                                   for r in chunked if r["size"] in both}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
