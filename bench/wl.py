"""Structure hashes at scale: ``relmine wl-hash --k 2`` on amazon0302 against the per-ego hash (the baseline).

    python bench/wl.py [--home /tmp/relmine-bench-wl] [--bolt-port 7697 --http-port 7484]
                       [--sample 5000] [--compare-classes] [--keep-server] [--reingest]

Runs on a Neo4j of its own (``relmine neo4j start`` under ``--home`` on its own
ports; heap and page cache from ``RELMINE_NEO4J_HEAP`` / ``RELMINE_NEO4J_PAGECACHE``,
default 1g / 512m), never the tests' server. Steps:

* load the SNAP amazon0302 file (262,111 products) with ``relmine ingest edges
  --type CO_PURCHASED`` when the database does not hold it already (timed);
* remove every stored WL hash, then run ``relmine wl-hash --k 2 --type CO_PURCHASED``
  as a user does, a process of its own: wall time, peak RSS and the command's own
  split (read, hash, write), so products/s end to end and for the hash alone;
  then once more with nothing changed (a re-run writes nothing);
* **baseline**: the per-ego hash (wl1, :func:`relmine.motifs.wl.ego_hashes`, what
  ``relmine wl-hash`` computed before, still ``--ego``) on ``--sample`` random
  products of the same graph, read through the same edge-list reader, in this
  process; beside it the whole-graph hash of every product in this process too
  (refinement and digests), so the two hash rates compare like for like;
* ``--compare-classes``: the per-ego hash of every product (minutes), and how its
  classes relate to the whole-graph hash's: wl1 classes always lie inside wl2 ones
  (checked), the number of classes of each, and the share of products whose class
  is the same under both.

Last line: a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.userpath import cli, gb  # noqa: E402

DATA = Path(os.environ.get("RELMINE_DATA") or ROOT.parent / "shared" / "data")
AMAZON = DATA / "amazon0302.txt.gz"
PRODUCTS, RELATIONS = 262_111, 899_792  # what `relmine ingest edges` makes of it (reciprocal pairs once)
SUMMARY = re.compile(r"hashed ([\d,]+) products over ([\d,]+) relationships.*\(read ([\d.]+)s, hash ([\d.]+)s = "
                     r"([\d,]+) products/s, write ([\d.]+)s: ([\d,]+) products changed\)")


def log(msg: str) -> None:
    print(f"[wl {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_cli(args: list[str], env: dict, timeout: float) -> tuple[float, int, str]:
    m = cli(args, env, timeout=timeout, log=lambda line: log(f"  {line}"))
    if m.returncode != 0:
        raise SystemExit(f"relmine {' '.join(args)} failed (exit {m.returncode}):\n{m.stdout}\n{m.stderr[-3000:]}")
    return m.seconds, m.peak_rss, m.stdout


def graph_counts(gw) -> tuple[int, int]:
    rows = gw.read("admin/count_graph")
    nodes = sum(r["count"] for r in rows if r["kind"] == "node" and r["name"] == "Product")
    rels = sum(r["count"] for r in rows if r["kind"] == "relationship" and r["name"] == "CO_PURCHASED")
    return nodes, rels


def wl_hash_run(env: dict, timeout: float) -> dict:
    seconds, peak, out = run_cli(["wl-hash", "--k", "2", "--type", "CO_PURCHASED"], env, timeout)
    m = SUMMARY.search(out)
    if not m:
        raise SystemExit(f"no summary line in the output of relmine wl-hash:\n{out}")
    products = int(m.group(1).replace(",", ""))
    read_s, hash_s, write_s = float(m.group(3)), float(m.group(4)), float(m.group(6))
    return {"products": products, "relationships": int(m.group(2).replace(",", "")), "wall_s": round(seconds, 2),
            "read_s": read_s, "hash_s": hash_s, "write_s": write_s, "written": int(m.group(7).replace(",", "")),
            "products_per_s_end_to_end": round(products / seconds), "products_per_s_hash": round(products / hash_s),
            "peak_rss": peak}


def compare_classes(ego: list[str], tree: list[str]) -> dict:
    """wl1 classes inside wl2 classes? How many of each, and products whose class is the same set under both."""
    from collections import Counter

    inside = {}
    refines = True
    for e, t in zip(ego, tree):
        refines &= inside.setdefault(e, t) == t
    n_ego, n_tree = Counter(ego), Counter(tree)
    # when wl1 refines wl2, a product's two classes are the same set exactly when they are the same size
    same = sum(1 for e, t in zip(ego, tree) if n_ego[e] == n_tree[t]) if refines else None
    return {"wl1_classes": len(n_ego), "wl2_classes": len(n_tree), "wl1_within_wl2": refines,
            "products_in_the_same_class": same, "share_same": round(same / len(ego), 4) if same is not None else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", default="/tmp/relmine-bench-wl", help="RELMINE_HOME of the bench's own Neo4j.")
    ap.add_argument("--bolt-port", type=int, default=7697)
    ap.add_argument("--http-port", type=int, default=7484)
    ap.add_argument("--sample", type=int, default=5000, help="Products the per-ego baseline hashes.")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compare-classes", action="store_true",
                    help="Also hash every product per ego (minutes) and compare the classes.")
    ap.add_argument("--reingest", action="store_true", help="Wipe and load amazon0302 even if it is there.")
    ap.add_argument("--keep-server", action="store_true", help="Leave the bench's Neo4j running at the end.")
    ap.add_argument("--timeout", type=float, default=1800, help="Limit of each relmine command, seconds.")
    args = ap.parse_args()
    if not AMAZON.is_file():
        raise SystemExit(f"{AMAZON} is missing (set RELMINE_DATA)")

    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_PASSWORD_FILE")}
    env.update({"RELMINE_HOME": args.home, "RELMINE_BOLT_PORT": str(args.bolt_port),
                "RELMINE_HTTP_PORT": str(args.http_port), "PYTHONUNBUFFERED": "1",
                "RELMINE_NEO4J_HEAP": os.environ.get("RELMINE_NEO4J_HEAP", "1g"),
                "RELMINE_NEO4J_PAGECACHE": os.environ.get("RELMINE_NEO4J_PAGECACHE", "512m")})
    for key in ("NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_PASSWORD_FILE"):
        os.environ.pop(key, None)
    os.environ.update({k: env[k] for k in ("RELMINE_HOME", "RELMINE_BOLT_PORT", "RELMINE_HTTP_PORT")})
    out: dict = {"machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}}

    log(f"starting the bench's own Neo4j under {args.home} (bolt {args.bolt_port})")
    run_cli(["neo4j", "start"], env, 600)
    try:
        run_cli(["init"], env, 600)
        from relmine.config import Settings
        from relmine.gateway import Gateway
        from relmine.motifs.edgelist import load_edge_list
        from relmine.motifs.wl import distinct_classes, ego_hashes, refine, tree_digests

        with Gateway(Settings.from_env(), app="relmine-bench") as gw:
            if args.reingest or graph_counts(gw) != (PRODUCTS, RELATIONS):
                from relmine.schema import apply_schema, empty_graph

                empty_graph(gw)
                apply_schema(gw)
                log("loading amazon0302 through `relmine ingest edges`")
                seconds, peak, _ = run_cli(["ingest", "edges", str(AMAZON), "--type", "CO_PURCHASED",
                                            "--no-progress"], env, args.timeout)
                out["ingest"] = {"seconds": round(seconds, 1), "peak_rss": peak}
            out["graph"] = dict(zip(("products", "co_purchased"), graph_counts(gw)))
            gw.write_autocommit("bench/clear_wl_hashes", timeout=600)

        # -- the user's path -----------------------------------------------------------------------
        log("relmine wl-hash --k 2 --type CO_PURCHASED (every product's hash written)")
        out["wl_hash"] = wl_hash_run(env, args.timeout)
        log("once more, nothing changed")
        out["wl_hash_rerun"] = wl_hash_run(env, args.timeout)

        # -- baseline: the per-ego hash on a sample, and the whole-graph hash, in this process -------
        with Gateway(Settings.from_env(), app="relmine-bench") as gw:
            t0 = time.monotonic()
            g = load_edge_list(gw, ("CO_PURCHASED",), progress=False)
            read_s = time.monotonic() - t0
        t0 = time.monotonic()
        labels = refine(g, 2)
        tree = tree_digests(labels, 2)
        tree_s = time.monotonic() - t0
        roots = np.random.default_rng(args.seed).choice(g.n, size=min(args.sample, g.n), replace=False)
        t0 = time.monotonic()
        ego_hashes(g, 2, roots=roots)
        ego_s = time.monotonic() - t0
        out["in_process"] = {
            "read_s": round(read_s, 2),
            "wl2_whole_graph": {"products": g.n, "seconds": round(tree_s, 2), "products_per_s": round(g.n / tree_s),
                                "classes": distinct_classes(labels, 2)},
            "baseline_wl1_per_ego": {"products": len(roots), "seconds": round(ego_s, 2),
                                     "products_per_s": round(len(roots) / ego_s),
                                     "whole_graph_estimate_s": round(g.n * ego_s / len(roots))},
        }
        out["in_process"]["hash_speedup"] = round((g.n / tree_s) / (len(roots) / ego_s), 1)
        if args.compare_classes:
            log(f"per-ego hash of all {g.n:,} products (--compare-classes)")
            t0 = time.monotonic()
            ego = ego_hashes(g, 2)
            out["classes_k2"] = {**compare_classes(ego, tree), "wl1_whole_graph_s": round(time.monotonic() - t0, 1)}
            out["classes_k1"] = compare_classes(ego_hashes(g, 1), tree_digests(labels, 1))
        out["bench_process_peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        out["machine"]["load_avg_at_end"] = os.getloadavg()
    finally:
        if not args.keep_server:
            run_cli(["neo4j", "stop"], env, 300)

    w, r, ip = out["wl_hash"], out["wl_hash_rerun"], out["in_process"]
    print(f"relmine wl-hash --k 2 on amazon0302 ({w['products']:,} products, {w['relationships']:,} relations):")
    print(f"  first run   {w['wall_s']:7.1f} s wall = {w['products_per_s_end_to_end']:>9,} products/s end to end "
          f"(read {w['read_s']}s, hash {w['hash_s']}s = {w['products_per_s_hash']:,} products/s, "
          f"write {w['write_s']}s), peak RSS {gb(w['peak_rss'])}")
    print(f"  re-run      {r['wall_s']:7.1f} s wall = {r['products_per_s_end_to_end']:>9,} products/s end to end "
          f"({r['written']:,} written), peak RSS {gb(r['peak_rss'])}")
    base = ip["baseline_wl1_per_ego"]
    print(f"hash alone, in one process: wl2 whole graph {ip['wl2_whole_graph']['products_per_s']:,} products/s; "
          f"baseline wl1 per ego {base['products_per_s']:,} products/s on {base['products']:,} products "
          f"(whole graph ~{base['whole_graph_estimate_s']:,} s): {ip['hash_speedup']}x")
    for k in ("classes_k1", "classes_k2"):
        if k in out:
            c = out[k]
            print(f"{k}: wl1 {c['wl1_classes']:,} classes, wl2 {c['wl2_classes']:,}; "
                  f"wl1 within wl2: {c['wl1_within_wl2']}; same class under both: {c['share_same']:.1%} of products")
    print(f"load average at start / end: {out['machine']['load_avg_at_start']} / {out['machine']['load_avg_at_end']} "
          f"on {out['machine']['cpus']} CPUs")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
