"""``relmine match``, ``relmine motifs``, ``relmine triangles``, ``relmine wl-hash``, ``relmine similar-structure``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from relmine.cli.common import echo_table, friendly_errors, gateway_from, is_tty
from relmine.errors import InputError


def _pattern_text(pattern: str) -> str:
    if pattern.startswith("@"):
        path = Path(pattern[1:])
        if not path.is_file():
            raise InputError(f"pattern file {path} does not exist")
        return path.read_text(encoding="utf-8")
    return pattern


@click.command("match")
@click.argument("pattern")
@click.option("--limit", default=25, show_default=True, help="Most rows to print (also the query's LIMIT).")
@click.option("--count", "count_only", is_flag=True, help="Print the number of distinct subgraphs and embeddings.")
@click.option("--induced", is_flag=True,
              help="Induced matching: no relationship of a type named in the pattern between matched nodes "
                   "unless the pattern has that edge.")
@click.option("--embeddings", is_flag=True,
              help="List every embedding (each subgraph once per automorphism) instead of one row per subgraph.")
@click.option("--timeout", default=60.0, show_default=True, help="Query time limit in seconds.")
@click.option("--explain", is_flag=True, help="Print the compiled Cypher and its parameters; run nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
@click.pass_context
@friendly_errors
def match(ctx, pattern, limit, count_only, induced, embeddings, timeout, explain, as_json):
    """Find subgraphs matching PATTERN, e.g. '(a {category: "Camera"})-[:CO_PURCHASED]-(b)'.

    PATTERN is the ASCII form, or a JSON/YAML spec; '@file' reads it from a file. See docs/patterns.md.
    """
    from relmine.motifs import compile_pattern, count_matches, find_matches, parse_pattern

    p = parse_pattern(_pattern_text(pattern))
    if explain:
        compiled = compile_pattern(p, induced=induced, symmetry=not embeddings, count=count_only)
        click.echo(compiled.text)
        click.echo(f"// params: {json.dumps({**compiled.params, 'limit': limit})}")
        click.echo(f"// automorphisms: {compiled.automorphisms}; symmetry conditions: {list(compiled.conditions)}")
        return
    with gateway_from(ctx) as gw:
        if count_only:
            c = count_matches(gw, p, induced=induced, timeout=timeout)
            if as_json:
                click.echo(json.dumps(c.__dict__))
            else:
                click.echo(f"subgraphs: {c.subgraphs}\nembeddings: {c.embeddings}\nautomorphisms: {c.automorphisms}")
            return
        rows = find_matches(gw, p, limit=limit, induced=induced, embeddings=embeddings, timeout=timeout)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row))
    else:
        echo_table(rows, list(p.names))
        if len(rows) == limit:
            click.echo(f"(stopped at --limit {limit})", err=True)


def _parse_params(items: tuple[str, ...]) -> dict:
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InputError(f"--param {item!r}: write KEY=VALUE")
        try:
            out[key] = json.loads(raw)
        except ValueError:
            out[key] = raw
    return out


@click.command("motifs")
@click.option("--kind", "kinds", multiple=True,
              help="Library motif to run (repeatable; default: all of cypher/motifs/). See --list.")
@click.option("--list", "list_only", is_flag=True, help="List the library's motifs and their parameters.")
@click.option("--param", "params", multiple=True, help="Override a motif parameter, KEY=VALUE (e.g. min_weight=2).")
@click.option("--write", is_flag=True, help="Store per-product counts and Motif memberships under the run id.")
@click.option("--run-id", default=None, help="Run id for --write (default: motifs-<UTC time>).")
@click.option("--max-members", default=100_000, show_default=True,
              help="With --write: Motif nodes written per kind (per-product counts always cover every instance).")
@click.option("--top", default=0, show_default=True, help="Also print the N products in most instances per motif.")
@click.option("--timeout", default=600.0, show_default=True, help="Time limit per motif query in seconds.")
@click.pass_context
@friendly_errors
def motifs(ctx, kinds, list_only, params, write, run_id, max_members, top, timeout):
    """Run the motif library: co-purchase triangles, complement chains, substitute pairs, bundle stars, bridges."""
    from relmine.motifs.library import check_run_id, default_run_id, library, run_library, select

    if list_only:
        echo_table([{"kind": k.name, "parameters": json.dumps(k.defaults), "what": k.title} for k in library()])
        return
    if run_id and not write:
        raise InputError("--run-id is only used with --write")
    if write:
        run_id = check_run_id(run_id or default_run_id())
    select(kinds)  # unknown kinds fail before connecting
    overrides = _parse_params(params)
    with gateway_from(ctx) as gw:
        results = run_library(gw, kinds, overrides=overrides, timeout=timeout,
                              write=write, run_id=run_id, max_members=max_members, top=top,
                              log=(lambda m: click.echo(m, err=True)) if is_tty() else None)
    echo_table([{"kind": r.kind, "instances": r.instances, "products": r.products,
                 "seconds": round(r.seconds, 2),
                 **({"motifs_written": r.motifs_written, "all_written": "no" if r.truncated else "yes"}
                    if write else {})} for r in results])
    for r in results:
        if r.top:
            click.echo(f"\n{r.kind}: products in most instances")
            echo_table([{"sku": s, "instances": n} for s, n in r.top])
    if write:
        click.echo(f"run id: {run_id}")


@click.command("triangles")
@click.option("--type", "types", multiple=True, default=("CO_PURCHASED",), show_default=True,
              help="Relationship type joining the products (repeatable).")
@click.option("--engine", type=click.Choice(["sparse", "cypher", "gds"]), default="sparse", show_default=True,
              help="sparse: one edge-list read + scipy; cypher: the compiled pattern in Neo4j; gds: GDS triangleCount.")
@click.option("--timeout", default=600.0, show_default=True, help="Time limit in seconds.")
@click.pass_context
@friendly_errors
def triangles(ctx, types, engine, timeout):
    """Count triangles of products (either direction, each triangle once)."""
    from relmine.motifs.triangles import count_triangles

    with gateway_from(ctx) as gw:
        r = count_triangles(gw, tuple(types), engine=engine, timeout=timeout)
    click.echo(f"triangles: {r.triangles} (engine {r.engine}, {r.seconds:.2f}s"
               + "".join(f", {k} {v:.2f}s" for k, v in r.detail.items()) + ")")


@click.command("wl-hash")
@click.option("--k", "ks", multiple=True, type=int, default=(1, 2), show_default=True,
              help="Neighbourhood radius in hops (repeatable); writes p.wl_hash_k<k>.")
@click.option("--type", "types", multiple=True,
              help="Relation type of the neighbourhoods (repeatable; default: the observed product relations).")
@click.option("--ego", is_flag=True,
              help="The per-ego hash (wl1): WL inside each product's induced k-hop ego network. It also sees "
                   "relations among the products k hops away and cycles, but costs the size of every ego "
                   "network (slow on dense graphs). Default: the whole-graph hash (wl2), k rounds over all "
                   "relations at once.")
@click.option("--iterations", default=None, type=int,
              help="WL rounds inside each ego network (--ego only; default: k).")
@click.option("--batch-size", default=10_000, show_default=True, help="Products per write transaction.")
@click.option("--writers", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Write transactions in flight at once (each on its own session).")
@click.option("--no-progress", is_flag=True, help="No progress bar or progress lines.")
@click.pass_context
@friendly_errors
def wl_hash(ctx, ks, types, ego, iterations, batch_size, writers, no_progress):
    """Hash every product's k-hop neighbourhood (Weisfeiler-Lehman, relmine's own stable hash) into p.wl_hash_k<k>.

    See docs/patterns.md, "Structure hashes", for what the two hashes see.
    """
    from relmine.motifs.wl import compute_and_write
    from relmine.relations import OBSERVED

    with gateway_from(ctx) as gw:
        s = compute_and_write(gw, ks, types=tuple(types) or OBSERVED, ego=ego, iterations=iterations,
                              batch_size=batch_size, writers=writers, progress=not no_progress)
    click.echo(f"hashed {s.products:,} products over {s.relationships:,} relationships, "
               f"{'per ego (wl1)' if ego else 'whole graph (wl2)'} "
               f"(read {s.seconds_read:.1f}s, hash {s.seconds_hash:.1f}s = {s.products_per_second:,.0f} products/s, "
               f"write {s.seconds_write:.1f}s: {s.written:,} products changed)")
    echo_table([{"property": k, "distinct hashes": v} for k, v in s.distinct.items()])


@click.command("similar-structure")
@click.argument("sku")
@click.option("--k", default=2, show_default=True, help="Neighbourhood radius (hops) whose hash is compared.")
@click.option("--limit", default=50, show_default=True, help="Most products listed.")
@click.pass_context
@friendly_errors
def similar_structure(ctx, sku, k, limit):
    """List products whose k-hop neighbourhood has the same WL hash as SKU's (run `relmine wl-hash` first)."""
    from relmine.motifs.wl import similar_structure as find

    with gateway_from(ctx) as gw:
        h, rows = find(gw, sku, k, limit=limit)
    click.echo(f"{sku}: wl_hash_k{k} = {h}")
    echo_table(rows, ["sku", "title", "category"])
