"""Benchmark: ``relmine ingest --bulk`` (neo4j-admin database import) against the transactional
``relmine ingest`` on the same file, in the same run, each into an empty database.

Sets (``--sets``):

* ``amazon0302``: ``relmine ingest edges amazon0302.txt.gz --type CO_PURCHASED`` (262,111 products,
  899,792 pairs) from the shared data folder;
* ``gen:ORDERS``: ``relmine generate --products 50000 --orders ORDERS`` (``gen:466000`` is the 1.4M-line set
  of docs/ingest.md), then ``relmine ingest orders orders.csv``.

Each contender is one ``relmine ingest ... --json`` process under ``/usr/bin/time -f %M``: wall time, the
relationships it created, relationships/s, and its peak RSS (the relmine process, and for ``--bulk`` the
import tool it waits for, whichever is larger: wait4's maximum; the server is not in it). Before each, the
database is emptied the fast way, by importing an empty CSV (``LocalNeo4j.import_full``; deleting a million
relationships through Cypher takes minutes). After both, the graphs are compared with
``relmine.fingerprint`` (``same_graph``; ``--no-fingerprint`` skips it). ``--bulk`` figures include stopping
and starting the server; its phases (CSV, import tool, restart + schema) are read from its progress lines.

Uses the server of RELMINE_HOME / RELMINE_BOLT_PORT (a bench home: it is emptied). Last line: JSON.

    python bench/bulk.py [--sets amazon0302,gen:466000] [--folder DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = next((d for d in (ROOT.parent / "shared" / "data", ROOT.parents[1] / "shared" / "data") if d.is_dir()),
            ROOT.parent / "shared" / "data")
RELMINE = str(Path(sys.executable).with_name("relmine"))


def log(msg: str) -> None:
    print(f"[bench bulk] {msg}", file=sys.stderr, flush=True)


def empty_database(settings, folder: Path) -> float:
    """Stop the server, import an empty graph over the database, start it, apply the schema."""
    from relmine.gateway import Gateway
    from relmine.schema import apply_schema
    from relmine.server import LocalNeo4j

    t0 = time.perf_counter()
    empty = folder / "empty.csv"
    empty.write_text("id:ID(Nothing)\n")
    server = LocalNeo4j(settings)
    server.stop()
    server.import_full([f"--nodes=Nothing={empty}"], database=settings.neo4j_database)
    server.start()
    with Gateway(settings) as gw:
        apply_schema(gw)
        assert gw.read_one("ingest/count_nodes")["nodes"] == 0
    return time.perf_counter() - t0


def run_ingest(args: list[str], folder: Path, name: str) -> dict:
    """One ``relmine ingest`` process: wall time, peak RSS, its JSON summary and its progress lines."""
    rss_file = folder / f"{name}.rss"
    err_file = folder / f"{name}.err"
    cmd = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), RELMINE, "ingest", *args, "--json"]
    log(" ".join(cmd[5:]))
    t0 = time.perf_counter()
    with open(err_file, "w") as err:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
    wall = time.perf_counter() - t0
    stderr = err_file.read_text()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{stderr[-3000:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    rels = int(report["written"].get("relationships_created", 0))
    out = {"wall_s": round(wall, 1), "relationships": rels, "rels_per_s": round(rels / wall),
           "peak_rss_mb": round(int(rss_file.read_text().split()[-1]) / 1024, 1), "rows_read": report["counts"]["read"]}
    phases = {}
    for key, pattern in (("csv_s", r"as CSV in ([\d.]+)s"), ("import_tool_s", r"\] import ([\d.]+)s"),
                         ("stop_s", r"server stopped in ([\d.]+)s"), ("start_s", r"server started in ([\d.]+)s"),
                         ("schema_s", r"schema \(constraints, indexes populated\) in ([\d.]+)s"),
                         ("import_restart_schema_s", r"import, restart and schema ([\d.]+)s")):
        found = re.findall(pattern, stderr)
        if found:
            phases[key] = float(found[-1])
    if phases:
        out["phases"] = phases
        if "import_tool_s" in phases:
            out["rels_per_s_import_tool"] = round(rels / phases["import_tool_s"])
    return out


def graph(settings, check: bool) -> dict:
    from relmine.fingerprint import fingerprint
    from relmine.gateway import Gateway

    with Gateway(settings) as gw:
        counts = {f"{r['kind']}:{r['name']}": r["count"] for r in gw.read("admin/count_graph") if r["count"]}
        if not check:
            return {"counts": counts}
        t0 = time.perf_counter()
        fp = fingerprint(gw).as_dict()
        log(f"fingerprint {time.perf_counter() - t0:.0f}s")
        return {"counts": counts, "digest": fp["digest"]}


def bench_set(settings, name: str, folder: Path, check: bool) -> dict:
    if name == "amazon0302":
        args = ["edges", str(DATA / "amazon0302.txt.gz"), "--type", "CO_PURCHASED"]
    elif name.startswith("gen:"):
        n_orders = int(name.split(":")[1])
        gen = folder / f"gen-{n_orders}"
        if not (gen / "orders.csv").is_file():
            t0 = time.perf_counter()
            subprocess.run([RELMINE, "generate", "--products", "50000", "--orders", str(n_orders), "--seed", "7",
                            "--out", str(gen)], check=True, stdout=subprocess.DEVNULL)
            log(f"generated {gen} in {time.perf_counter() - t0:.0f}s")
        args = ["orders", str(gen / "orders.csv")]
    else:
        raise SystemExit(f"unknown set {name}")
    common = ["--no-progress"]
    out: dict = {"set": name}
    log(f"{name}: emptying the database ({empty_database(settings, folder):.0f}s)")
    out["transactional"] = run_ingest([*args, *common], folder, f"{name}-tx".replace(":", "-"))
    tx_graph = graph(settings, check)
    log(f"{name}: transactional {out['transactional']}")
    log(f"{name}: emptying the database ({empty_database(settings, folder):.0f}s)")
    bulk_args = [*args, "--bulk"]  # progress lines on: its phases are read from them
    out["bulk"] = run_ingest(bulk_args, folder, f"{name}-bulk".replace(":", "-"))
    bulk_graph = graph(settings, check)
    log(f"{name}: bulk {out['bulk']}")
    out["counts"] = bulk_graph["counts"]
    out["same_counts"] = tx_graph["counts"] == bulk_graph["counts"]
    if check:
        out["same_graph"] = tx_graph["digest"] == bulk_graph["digest"]
    out["ratio_rels_per_s"] = round(out["bulk"]["rels_per_s"] / out["transactional"]["rels_per_s"], 2)
    if "rels_per_s_import_tool" in out["bulk"]:
        out["ratio_import_tool_vs_transactional"] = round(
            out["bulk"]["rels_per_s_import_tool"] / out["transactional"]["rels_per_s"], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="amazon0302,gen:466000")
    ap.add_argument("--folder", type=Path, default=None, help="work folder (generated files are kept there)")
    ap.add_argument("--no-fingerprint", action="store_true", help="compare counts only")
    a = ap.parse_args()
    from relmine.config import Settings

    settings = Settings.from_env()
    folder = a.folder or Path(tempfile.mkdtemp(prefix="bench-bulk-"))
    folder.mkdir(parents=True, exist_ok=True)
    with open("/proc/loadavg") as fh:
        load_before = fh.read().split()[:3]
    results = [bench_set(settings, name, folder, not a.no_fingerprint) for name in a.sets.split(",") if name]
    with open("/proc/loadavg") as fh:
        load_after = fh.read().split()[:3]
    for r in results:
        t, b = r["transactional"], r["bulk"]
        print(f"{r['set']}: transactional {t['relationships']:,} rels in {t['wall_s']} s ({t['rels_per_s']:,}/s, "
              f"{t['peak_rss_mb']} MB); --bulk {b['wall_s']} s ({b['rels_per_s']:,}/s, {b['peak_rss_mb']} MB; "
              f"phases {b.get('phases')}); ratio {r['ratio_rels_per_s']}x end to end, "
              f"{r.get('ratio_import_tool_vs_transactional')}x import tool alone; same graph: "
              f"{r.get('same_graph', r['same_counts'])}")
    print(json.dumps({"bench": "bulk", "load_before": load_before, "load_after": load_after,
                      "heap": os.environ.get("RELMINE_NEO4J_HEAP"), "pagecache": os.environ.get("RELMINE_NEO4J_PAGECACHE"),
                      "results": results}))


if __name__ == "__main__":
    main()
