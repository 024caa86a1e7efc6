"""Benchmark: triangle and motif counts, relmine vs networkx GraphMatcher vs GDS triangleCount.

Two real graphs, loaded here into the configured Neo4j (the database must be
empty, or pass ``--wipe``: it is emptied between the two graphs):

* Amazon Photo (``amazon_photo.npz``): 7,650 products with their category,
  one ``CO_PURCHASED`` relationship per undirected pair;
* SNAP amazon0302 (``amazon0302.txt.gz``): 262,111 products, 1,234,877
  directed ``CO_PURCHASED`` relationships (reciprocal pairs kept).

A triangle is three products pairwise co-purchased in either direction, each
counted once. Every figure says which engine made it:

* ``relmine_cypher``: the compiled pattern
  ``(a)-[:CO_PURCHASED]-(b)-[:CO_PURCHASED]-(c)-[:CO_PURCHASED]-(a)`` with
  symmetry breaking, counted in Neo4j (``relmine match --count``);
* ``relmine_sparse``: relmine's fast path: one read of the edge list from
  Neo4j, then sparse algebra (``relmine triangles``), read time included;
* ``gds``: GDS ``triangleCount.stats`` on an UNDIRECTED projection, with and
  without the projection time;
* ``networkx``: ``GraphMatcher(G, triangle).subgraph_monomorphisms_iter()``
  on the same graph (embeddings / 6), under ``--nx-timeout``: when it runs
  out, the ratio is a lower bound (its time is at least the cap) and an
  estimate from its rate is printed beside it.

Motif counts: a labelled induced wedge (lens - camera - lens, the two lenses
not co-purchased) by relmine's compiled pattern and by networkx
``subgraph_isomorphisms_iter``; and the whole ``cypher/motifs`` library on
Amazon Photo.

    python bench/motifs.py --wipe [--nx-timeout 300] [--repeat 3] [--skip-amazon0302 | --skip-photo]

Last line: a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

TRIANGLE = "(a)-[:CO_PURCHASED]-(b)-[:CO_PURCHASED]-(c)-[:CO_PURCHASED]-(a)"
WEDGE = ('(a {category: "Lenses"})-[:CO_PURCHASED]-(b {category: "Digital Cameras"})'
         '-[:CO_PURCHASED]-(c {category: "Lenses"})')


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- loading (kept here: the ingest module is separate work) ---------------------------

def wipe(gw) -> None:
    while True:
        s = gw.write("bench/delete_nodes_batch")
        if s.records[0]["n"] == 0:
            return


def load_graph(gw, skus: list[str], cats: list[str], src: np.ndarray, dst: np.ndarray, label: str) -> float:
    """Products, then CO_PURCHASED relationships grouped by source, in batched UNWINDs."""
    from relmine.progress import Progress

    t0 = time.perf_counter()
    with Progress(f"{label}: products", total=len(skus), unit="nodes") as bar:
        gw.write_batches("bench/create_products_with_category",
                         ({"sku": s, "c": c} for s, c in zip(skus, cats)), batch_size=20_000,
                         on_batch=lambda n, _s: bar.update(n))
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    bounds = np.flatnonzero(np.diff(src)) + 1
    groups = zip(np.split(src, bounds), np.split(dst, bounds))
    rows = ({"a": skus[int(s[0])], "b": [skus[int(x)] for x in d]} for s, d in groups if len(s))
    stmt = "bench/create_co_purchases_grouped"
    with Progress(f"{label}: relationships", total=len(src), unit="rels") as bar:
        batch, size = [], 0
        for row in rows:
            batch.append(row)
            size += len(row["b"])
            if size >= 25_000:
                gw.write(stmt, {"rows": batch})
                bar.update(size)
                batch, size = [], 0
        if batch:
            gw.write(stmt, {"rows": batch})
            bar.update(size)
    return time.perf_counter() - t0


def photo_arrays():
    z = np.load(DATA / "amazon_photo.npz", allow_pickle=False)
    a = sp.csr_matrix((z["adj_data"], z["adj_indices"], z["adj_indptr"]), shape=tuple(z["adj_shape"]))
    a = ((a + a.T) > 0).astype(np.int8)
    a.setdiag(0)
    a.eliminate_zeros()
    u = sp.triu(a, 1).tocoo()
    names = [str(x) for x in z["class_names"]]
    cats = [names[i] for i in z["labels"]]
    skus = [f"photo-{i}" for i in range(a.shape[0])]
    return skus, cats, u.row.astype(np.int64), u.col.astype(np.int64)


def amazon0302_arrays():
    with gzip.open(DATA / "amazon0302.txt.gz", "rt") as fh:
        e = np.loadtxt(fh, dtype=np.int64, comments="#")
    n = int(e.max()) + 1
    skus = [f"a0302-{i}" for i in range(n)]
    return skus, [""] * n, e[:, 0].copy(), e[:, 1].copy()


# -- engines -------------------------------------------------------------------------

def timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def nx_graph(skus, cats, src, dst):
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from((i, {"category": c}) for i, c in enumerate(cats))
    g.add_edges_from((int(a), int(b)) for a, b in zip(src, dst) if a != b)
    return g


def nx_count(g, pattern, *, induced: bool, node_match, cap_s: float, auts: int):
    """Embeddings found by VF2 within ``cap_s``; (subgraphs, seconds, finished)."""
    from networkx.algorithms.isomorphism import GraphMatcher

    gm = GraphMatcher(g, pattern, node_match=node_match)
    it = gm.subgraph_isomorphisms_iter() if induced else gm.subgraph_monomorphisms_iter()
    t0 = time.perf_counter()
    n, finished = 0, True
    for _ in it:
        n += 1
        if time.perf_counter() - t0 > cap_s:
            finished = False
            break
    return n / auts, time.perf_counter() - t0, finished


def triangles_all(gw, g_nx, *, cap_s: float, repeat: int, label: str) -> dict:
    import networkx as nx

    from relmine.motifs import count_matches, parse_pattern
    from relmine.motifs.triangles import count_triangles

    out: dict = {}
    log(f"{label}: relmine cypher triangle count ...")
    t, c = timed(lambda: count_matches(gw, parse_pattern(TRIANGLE), timeout=3600), repeat)
    out["relmine_cypher"] = {"triangles": c.subgraphs, "seconds": round(t, 3)}
    log(f"  {out['relmine_cypher']}")
    log(f"{label}: relmine sparse triangle count ...")
    t, r = timed(lambda: count_triangles(gw, ("CO_PURCHASED",), engine="sparse"), repeat)
    out["relmine_sparse"] = {"triangles": r.triangles, "seconds": round(t, 3),
                             "read_s": round(r.detail["read_s"], 3), "compute_s": round(r.detail["compute_s"], 3)}
    log(f"  {out['relmine_sparse']}")
    log(f"{label}: GDS triangleCount ...")
    t, r = timed(lambda: count_triangles(gw, ("CO_PURCHASED",), engine="gds"), repeat)
    out["gds"] = {"triangles": r.triangles, "seconds": round(t, 3), "project_s": round(r.detail["project_s"], 3),
                  "compute_s": round(r.detail["compute_s"], 3)}
    log(f"  {out['gds']}")
    log(f"{label}: networkx GraphMatcher (cap {cap_s:.0f}s) ...")
    found, secs, finished = nx_count(g_nx, nx.complete_graph(3), induced=False, node_match=None, cap_s=cap_s, auts=6)
    total = out["gds"]["triangles"]
    out["networkx_graphmatcher"] = {"triangles_found": int(found), "seconds": round(secs, 3), "finished": finished,
                                    "estimated_total_s": round(secs if finished else secs * total / max(found, 1), 1)}
    log(f"  {out['networkx_graphmatcher']}")
    t0 = time.perf_counter()
    out["networkx_triangles_check"] = sum(nx.triangles(g_nx).values()) // 3
    out["networkx_triangles_check_s"] = round(time.perf_counter() - t0, 3)
    counts = {out["relmine_cypher"]["triangles"], out["relmine_sparse"]["triangles"], out["gds"]["triangles"],
              out["networkx_triangles_check"]}
    out["all_engines_agree"] = len(counts) == 1 and (not finished or int(found) == total)
    return out


def wedge(gw, g_nx, *, cap_s: float, repeat: int = 1) -> dict:
    import networkx as nx

    from relmine.motifs import count_matches, parse_pattern

    t, c = timed(lambda: count_matches(gw, parse_pattern(WEDGE), induced=True, timeout=3600), repeat)
    p = nx.Graph()
    p.add_nodes_from([(0, {"category": "Lenses"}), (1, {"category": "Digital Cameras"}), (2, {"category": "Lenses"})])
    p.add_edges_from([(0, 1), (1, 2)])
    found, secs, finished = nx_count(g_nx, p, induced=True,
                                     node_match=lambda x, y: x["category"] == y["category"], cap_s=cap_s, auts=2)
    return {"pattern": WEDGE + " (induced)", "relmine_cypher": {"subgraphs": c.subgraphs, "seconds": round(t, 3)},
            "networkx_graphmatcher": {"subgraphs_found": int(found), "seconds": round(secs, 3), "finished": finished},
            "agree": (not finished) or int(found) == c.subgraphs}


def ratio(slow: float, fast: float) -> float:
    return round(slow / fast, 2) if fast > 0 else float("inf")


def summarise(name: str, tri: dict) -> dict:
    rel_c, rel_s = tri["relmine_cypher"]["seconds"], tri["relmine_sparse"]["seconds"]
    nx_t = tri["networkx_graphmatcher"]
    gds = tri["gds"]["seconds"]
    r = {
        "networkx_over_relmine_cypher": ratio(nx_t["seconds"], rel_c),
        "networkx_over_relmine_cypher_is_lower_bound": not nx_t["finished"],
        "networkx_est_over_relmine_cypher": ratio(nx_t["estimated_total_s"], rel_c),
        "networkx_over_relmine_sparse": ratio(nx_t["seconds"], rel_s),
        "relmine_cypher_over_gds": ratio(rel_c, gds),
        "relmine_sparse_over_gds": ratio(rel_s, gds),
        "relmine_sparse_over_gds_compute_only": ratio(rel_s, tri["gds"]["compute_s"]),
    }
    bound = "≥" if not nx_t["finished"] else ""
    log(f"\n== {name}: triangles = {tri['gds']['triangles']:,} ==")
    log(f"  relmine cypher (compiled pattern)   {rel_c:9.2f} s")
    log(f"  relmine sparse (edge list + scipy)  {rel_s:9.2f} s  (read {tri['relmine_sparse']['read_s']:.2f} s)")
    log(f"  GDS triangleCount (with projection) {gds:9.2f} s  (projection {tri['gds']['project_s']:.2f} s)")
    log(f"  networkx GraphMatcher               {nx_t['seconds']:9.2f} s  "
        f"({'finished' if nx_t['finished'] else 'stopped at the cap; estimated ' + str(nx_t['estimated_total_s']) + ' s'})")
    log(f"  networkx / relmine cypher: {bound}{r['networkx_over_relmine_cypher']}x   "
        f"networkx / relmine sparse: {bound}{r['networkx_over_relmine_sparse']}x")
    log(f"  relmine cypher / GDS: {r['relmine_cypher_over_gds']}x   relmine sparse / GDS: {r['relmine_sparse_over_gds']}x")
    return r


def load_and_count_triangles(gw, arrays, name: str, args) -> tuple[dict, object]:
    """Load one graph into Neo4j and networkx, count its triangles every way; its figures and the nx graph."""
    skus, cats, src, dst = arrays
    load_s = load_graph(gw, skus, cats, src, dst, name)
    g_nx = nx_graph(skus, cats, src, dst)
    out = {"products": len(skus), "relationships": int(len(src)), "load_s": round(load_s, 1)}
    out["triangles"] = triangles_all(gw, g_nx, cap_s=args.nx_timeout, repeat=args.repeat, label=name)
    return out, g_nx


def run_photo(gw, figures: dict, args) -> None:
    from relmine.motifs.library import run_library

    photo, g_nx = load_and_count_triangles(gw, photo_arrays(), "amazon_photo", args)
    log("photo: labelled induced wedge ...")
    photo["wedge"] = wedge(gw, g_nx, cap_s=args.nx_timeout, repeat=args.repeat)
    log("photo: motif library ...")
    t0 = time.perf_counter()
    lib = run_library(gw, timeout=3600)
    photo["library"] = {"seconds": round(time.perf_counter() - t0, 2),
                        "instances": {r.kind: r.instances for r in lib},
                        "seconds_per_kind": {r.kind: round(r.seconds, 2) for r in lib}}
    figures["amazon_photo"] = photo
    figures["ratios_amazon_photo"] = summarise("Amazon Photo", photo["triangles"])
    w = photo["wedge"]
    figures["ratios_amazon_photo"]["wedge_networkx_over_relmine"] = ratio(
        w["networkx_graphmatcher"]["seconds"], w["relmine_cypher"]["seconds"])
    log(f"  wedge (induced): relmine {w['relmine_cypher']['subgraphs']:,} in {w['relmine_cypher']['seconds']:.2f} s; "
        f"networkx {w['networkx_graphmatcher']['subgraphs_found']:,} in {w['networkx_graphmatcher']['seconds']:.2f} s")
    log(f"  library: {photo['library']}")


def run_amazon0302(gw, figures: dict, args) -> None:
    big, _ = load_and_count_triangles(gw, amazon0302_arrays(), "amazon0302", args)
    figures["amazon0302"] = big
    figures["ratios_amazon0302"] = summarise("amazon0302", big["triangles"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wipe", action="store_true", help="empty the configured database first (it is wiped between graphs)")
    ap.add_argument("--nx-timeout", type=float, default=300.0, help="seconds networkx may run per count")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each relmine/GDS count (best kept)")
    ap.add_argument("--skip-amazon0302", action="store_true", help="Amazon Photo only")
    ap.add_argument("--skip-photo", action="store_true", help="amazon0302 only")
    args = ap.parse_args()
    for f in ("amazon_photo.npz", "amazon0302.txt.gz"):
        if not (DATA / f).is_file():
            log(f"skip: {DATA / f} is absent")
            return 2

    from relmine.config import Settings
    from relmine.gateway import Gateway
    from relmine.schema import apply_schema

    figures: dict = {"bench": "motifs", "baselines": ["networkx GraphMatcher", "GDS triangleCount"]}
    with Gateway(Settings.from_env(), app="relmine-bench") as gw:
        n = gw.read_one("bench/count_nodes")["n"]
        if n and not args.wipe:
            log(f"the database holds {n:,} nodes; this benchmark loads its own graphs: pass --wipe to empty it")
            return 2
        wipe(gw)
        apply_schema(gw)
        if not args.skip_photo:
            run_photo(gw, figures, args)
        if not args.skip_amazon0302:
            if not args.skip_photo:
                wipe(gw)
            run_amazon0302(gw, figures, args)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
