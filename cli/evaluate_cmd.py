"""``relmine evaluate``: held-out link prediction, the GAT against CN/AA/RA and GDS FastRP + cosine."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import click

from relmine.cli.common import friendly_errors, gateway_from


def _seeds(values: tuple[str, ...]) -> tuple[int, ...]:
    """``("0,1", "2")`` -> ``(0, 1, 2)``, duplicates dropped; a clear error for anything else."""
    out: list[int] = []
    for value in values:
        for part in value.replace(",", " ").split():
            try:
                seed = int(part)
            except ValueError:
                raise click.BadParameter(f"{part!r} is not an integer seed", param_hint="--seeds") from None
            if seed < 0:
                raise click.BadParameter(f"seed {seed} is negative", param_hint="--seeds")
            if seed not in out:
                out.append(seed)
    if not out:
        raise click.BadParameter("give at least one seed", param_hint="--seeds")
    return tuple(out)


@click.command("evaluate")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="An Amazon-Photo-style .npz (PyG/Shchur format); without it, the product graph in Neo4j.")
@click.option("--relation-type", "relation_types", multiple=True, default=("CO_PURCHASED",), show_default=True,
              help="Without --data: observed relation type(s) to evaluate on (repeatable; merged into one graph).")
@click.option("--seeds", "seeds", multiple=True, default=("0,1,2",), callback=lambda ctx, param, value: _seeds(value),
              help="Seeds, one random split, model initialisation and training run each: `--seeds 0,1,2` "
                   "or `--seeds 0 --seeds 1 ...` [default: 0,1,2].")
@click.option("--epochs", type=click.IntRange(min=1), default=None,
              help="Maximum training epochs per seed (default: the recipe's 100; training stops after 20 "
                   "epochs without validation gain).")
@click.option("--hidden", type=click.IntRange(min=4), default=None, help="Embedding size (default: the recipe's 64).")
@click.option("--conv", type=click.Choice(["auto", "gat", "gatv2"]), default=None,
              help="Attention layer (default: the recipe's auto: GAT on one relation type, GATv2 on several).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="Torch device (auto: CUDA when present).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/evaluate"),
              show_default=True, help="Folder for evaluation.png and evaluation.json.")
@click.option("--checkpoints", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of per-seed training checkpoints (default: <out>/checkpoints); a rerun resumes "
                   "unfinished seeds and only re-evaluates finished ones.")
@click.option("--fresh", is_flag=True, help="Delete the checkpoints first and train from scratch.")
@click.option("--fastrp/--no-fastrp", default=True, show_default=True,
              help="Also score GDS FastRP + cosine, computed per seed on the training graph (needs Neo4j + GDS).")
@click.option("--probe/--no-probe", default=True, show_default=True,
              help="Linear probe of the embeddings on the node labels, when the data has labels.")
@click.option("--typed", is_flag=True,
              help="Typed evaluation on the product graph in Neo4j: hold out a share of every typed relation, "
                   "Hits@20/50 per type, kind accuracy and macro-F1 of the model against the majority kind, a "
                   "content baseline and a structural rule; at most 60 epochs per seed unless --epochs (docs/typed.md).")
@click.option("--run", "run_id", default=None, metavar="RUN",
              help="Score the model a `relmine train` run shipped, on that run's own test slice (no training); "
                   "prints its figures beside those stored on the run.")
@click.option("--record/--no-record", default=None,
              help="Record the evaluation as a (:Run {kind: 'evaluate'}) with its params and figures (failed, with "
                   "the reason, when it fails) [default: record wherever Neo4j is used; a --data file with "
                   "--no-fastrp runs offline and records nothing unless --record].")
@click.option("--test-share", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.2,
              show_default=True, help="With --typed: share of every relation type held out for testing.")
@click.pass_context
@friendly_errors
def evaluate(ctx, data_file, relation_types, fastrp, typed, run_id, test_share, record, **recipe) -> None:
    """Evaluate link prediction on a held-out 85/5/10 random edge split, once per seed.

    Rows: the GAT, CN, AA, RA and FastRP + cosine; columns: AUC, Hits@20/50/100
    and MRR as mean ± std over seeds. Says whether the bar is met (model
    Hits@50 at least 0.10 above RA's, AUC at least 0.98).
    """
    # recipe: the options named as the EvalSpec fields they fill (seeds, epochs, hidden, conv, device, out,
    # checkpoints, fresh, probe)
    for name in ("relmine.gnn", "relmine.learn"):  # epochs and FastRP progress on stderr
        logging.getLogger(name).setLevel(logging.INFO)
    if run_id is not None:
        from relmine.runid import check_run_id

        run_id = check_run_id(run_id)  # once, before connecting (a checked id passes evaluate_run's check as it is)
        if data_file is not None or typed:
            raise click.UsageError("--run scores a shipped run on its own graph; it takes no --data or --typed")
        _score_run(ctx, run_id, record is not False)
    elif typed:
        if data_file is not None:
            raise click.UsageError("--typed reads the product graph in Neo4j; it takes no --data")
        _typed(ctx, test_share, record is not False, **recipe)
    else:
        _held_out_split(ctx, data_file, relation_types, fastrp, record, **recipe)


def _recorded(run) -> None:
    if run.run_id is not None:
        click.echo(f"recorded as run {run.run_id} (relmine run-status {run.run_id})", err=True)


def _score_run(ctx, run_id: str, record: bool) -> None:
    """``--run``: the model a run shipped, on that run's own test slice."""
    from relmine.learn.evaluation import evaluation_run, rescored_metrics
    from relmine.learn.pipeline import evaluate_run

    with gateway_from(ctx) as gw:
        with evaluation_run(gw if record else None, {"mode": "run", "of_run": run_id}) as run:
            result = evaluate_run(gw, run_id)
            run.record(rescored_metrics(result))
    click.echo(format_run_evaluation(result))
    _recorded(run)


def _typed(ctx, test_share: float, record: bool, *, seeds, out, epochs, hidden, device, **_unused) -> None:
    """``--typed``: a share of every typed relation held out, per-type figures against the baselines."""
    from relmine.learn.evaluation import evaluation_run, run_typed_evaluation, typed_metrics

    params = {"mode": "typed", "seeds": list(seeds), "test_share": test_share, "epochs": epochs, "hidden": hidden,
              "device": device, "out": str(out)}
    with gateway_from(ctx) as gw:
        gw.verify()
        with evaluation_run(gw if record else None, params) as run:
            report, table = run_typed_evaluation(gw, seeds, out=out, epochs=epochs, hidden=hidden, device=device,
                                                 test_share=test_share, log=lambda line: click.echo(line, err=True))
            run.record(typed_metrics(report))
    click.echo(table)
    _recorded(run)


def _held_out_split(ctx, data_file: Path | None, relation_types: tuple[str, ...], fastrp: bool,
                    record: bool | None, *, conv, checkpoints, **recipe) -> None:
    """The random edge split of an npz file (``--data``) or of the product graph, per seed; recorded as an
    evaluate run wherever Neo4j is used (or with ``--record``)."""
    from relmine.learn.evaluation import (EvalSpec, evaluation_run, format_report, product_graph, run_evaluation,
                                          split_metrics)
    from relmine.learn.fastrp import FastRPScorers
    from relmine.relations import observed_types

    with contextlib.ExitStack() as stack:
        gw = None
        if data_file is None or fastrp or record:
            gw = stack.enter_context(gateway_from(ctx))
            gw.verify()
        params = {"mode": "split", "data": None if data_file is None else str(data_file),
                  "relation_types": None if data_file is not None else list(relation_types), "fastrp": fastrp,
                  "conv": conv, **{k: (str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v)
                                   for k, v in recipe.items()}}
        run = stack.enter_context(evaluation_run(gw if record is not False else None, params))
        if data_file is not None:
            from relmine.gnn.datasets import load_amazon_photo

            data, dataset = load_amazon_photo(data_file), data_file.name
        else:
            types = observed_types(relation_types)
            click.echo(f"reading the product graph ({', '.join(types)}) from Neo4j ...", err=True)
            data, dataset = product_graph(gw, types), f"Neo4j product graph ({', '.join(types)})"
            # the attention layer `relmine train` would pick for these types (the graph is merged here)
            from relmine.gnn.recipe import resolve_conv

            conv = resolve_conv(conv, len(types))
        click.echo(f"{dataset}: {data.num_nodes} nodes, {data.edge_index.size(1) // 2} undirected edges, "
                   f"seeds {list(recipe['seeds'])}", err=True)
        spec = EvalSpec(conv=conv, checkpoints=checkpoints or recipe["out"] / "checkpoints", dataset=dataset, **recipe)
        report = run_evaluation(data, spec, extra=FastRPScorers(gw) if fastrp else None,
                                log=lambda line: click.echo(line, err=True))
        run.record(split_metrics(report))
    click.echo(format_report(report))
    _recorded(run)


def format_run_evaluation(result: dict) -> str:
    """The re-scored test figures of a run, beside the ones stored on its ``(:Run)``."""
    cols = ("auc", "hits@20", "hits@50", "hits@100", "mrr")
    lines = [f"run {result['run']}: test slice of {result['graph']['relations_kept']:,} relations among "
             f"{result['graph']['products']:,} products",
             "method".ljust(18) + "".join(c.rjust(10) for c in cols)]
    for method, vals in result["test"].items():
        lines.append(method.ljust(18) + "".join(f"{vals[c]:.4f}".rjust(10) for c in cols))
        stored = (result.get("stored") or {}).get(method)
        if stored:
            lines.append(f"  (on the run)".ljust(18) + "".join(f"{stored[c]:.4f}".rjust(10) for c in cols))
    if not result["same_graph"]:
        lines.append("note: the graph changed since the run (products or relations kept differ from its record), "
                     "so this is not the run's own test slice")
    return "\n".join(lines)
