"""A training run end to end, as steps the workers call (``docs/learn.md`` has the why of each).

1. :func:`create_run` records ``(:Run {kind: 'train', status: 'queued', params})`` (the run model of
   :mod:`relmine.runs`: ``running`` while a task works on it, with its ``stage`` pulling, training, testing
   or embedding; then ``done``, ``failed`` or ``cancelled``).
2. :func:`pull_train_embed` (the ``train_run`` task, queue ``train``): pulls every product and its significant
   relations (:mod:`relmine.learn.pull`), holds out seeded validation
   and test slices of the related pairs, trains the recipe's model
   (:mod:`relmine.gnn.recipe`) with early stopping on validation, keeping the
   best weights and checkpointing every epoch (a redelivered task resumes),
   scores the test slice (model, CN, AA, RA) onto the run, embeds every
   product exactly from the whole graph (layer-wise), stores model, graph and
   outputs on the run, and records the write-back partitions.
3. :func:`write_back_partition` (the ``embed_partition`` task, queue ``embed``, one per partition): writes
   the partition's embeddings, the attention on its relations and its top-k
   predicted relations, then marks the partition done.
4. :func:`finalize_if_complete`: once every partition is done (whichever task
   finishes last), (re)creates the vector index, switches the run to current,
   removes the predicted relations of older runs, and marks the run done.

Every step is idempotent for its (run, partition): writes are keyed by run,
so a retried or redelivered task changes nothing twice. A task whose worker
was lost twice on a run fails the run instead of trying again
(:func:`begin_attempt`).

Older runs: a newer completed run overwrites ``p.embedding`` (with
``p.embedding_run``) and ``r.attention`` (with ``r.attention_run``), and its
completion deletes the ``[:PREDICTED]`` relationships of every other run; the
``(:Run)`` nodes with their parameters and metrics are kept for comparison.
"""

from __future__ import annotations

import json
import io
import logging
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import torch

from relmine import runid, runs
from relmine.errors import InputError, NotFound
from relmine.gateway import Gateway
from relmine.gnn.edges import paths3_forced
from relmine.gnn.train import load_tensors  # the one loader of saved tensors (re-exported)
from relmine.learn.partition import chunk_products, learnable_types
from relmine.learn.refresh import row_digests
from relmine.learn.spec import TrainSpec
from relmine.learn.writeback import write_partition
from relmine.relations import KIND, OBSERVED

log = logging.getLogger(__name__)

TERMINAL = runs.TERMINAL


class RunCancelled(Exception):
    """The run was cancelled (``relmine run-cancel``) while a task worked on it."""


def create_run(gw: Gateway, spec: TrainSpec, run_id: str | None = None) -> str:
    """Record a queued run; refused while another training run of this graph has not ended."""
    run_id = runid.run_id_or_new(run_id, "train")
    check_no_other_active(gw, run_id)
    return runs.create_run(gw, run_id, "train", spec.to_json())


def create_refresh(gw: Gateway, source: str | None = None, run_id: str | None = None, *,
                   full: bool = False) -> tuple[str, str]:
    """Record a queued refresh: a run that serves the model of ``source`` (default: the current run) over the
    graph as it is now, without training. ``(run id, source run id)``; refused without a model to refresh.

    Incremental (the default; ``r.refresh_mode``): only the products whose neighbourhood changed since the
    current run's outputs were written are embedded again, and written in place into the current run
    (:func:`refresh_incremental`); so the source must be the current run. ``full``: every product, as a run
    of its own that becomes current (:func:`refresh_and_embed`)."""
    current = gw.read_one("runs/current_train")
    if source is None:
        if current is None:
            raise InputError("no current training run to refresh: `relmine train` first")
        source = current["id"]
    src = get_run(gw, source)
    if src.get("kind") != "train" or runs.read_artifact(gw, source, "model") is None:
        raise InputError(f"run {source} has no trained model to refresh (a training run that reached its "
                         f"write-back has one)")
    if not full and (current is None or current["id"] != source):
        raise InputError(f"run {source} is not the current run: an incremental refresh writes into the current "
                         f"run's outputs; refresh every product with its model with `relmine refresh --full --from "
                         f"{source}`")
    spec = TrainSpec.from_json(src["params"])
    run_id = runid.run_id_or_new(run_id, "refresh")
    check_no_other_active(gw, run_id)
    runs.create_run(gw, run_id, "train", spec.to_json())
    mode = "full" if full else "incremental"
    update_run(gw, run_id, f"queued: a{'' if full else 'n'} {mode} refresh of {source}'s model over the graph as "
                           f"it is now", refresh_of=source, refresh_mode=mode)
    return run_id, source


def check_no_other_active(gw: Gateway, run_id: str) -> None:
    """At most one training run per graph: refuse while another one is queued or working."""
    others = gw.read("runs/active_train_runs", {"run_id": run_id})
    if others:
        o = others[0]
        state = o["status"] if not o.get("stage") else f"{o['status']} ({o['stage']})"
        raise InputError(f"training run {o['id']} is {state} (last update {o['updated_at']}); one training "
                         f"run per graph at a time: wait for it, `relmine train --resume {o['id']}` if its "
                         f"worker died, or `relmine run-cancel {o['id']}`")


def resume_run(gw: Gateway, run_id: str) -> dict:
    """Queue a failed, cancelled or stuck run again; it continues from its checkpoint in the graph. Returns its
    state (:func:`relmine.runs.run_progress`): the whole run is read once, before."""
    run_id = runid.check_run_id(run_id)
    run = runs.get_run(gw, run_id)
    if run.get("kind") != "train":
        raise InputError(f"run {run_id} is a {run.get('kind')} run, not a training run")
    if run["status"] == "done":
        raise InputError(f"run {run_id} is already done; nothing to resume")
    check_no_other_active(gw, run_id)
    update_run(gw, run_id, f"resume requested (was {run['status']})")
    # a partition published before the run ended was dropped by its task (the run was not running):
    # every partition not written is queued again by the resumed training task
    gw.write("runs/reset_partitions", {"run_id": run_id, "all": False})
    gw.write("runs/requeue_run", {"run_id": run_id})
    return runs.run_progress(gw, run_id)


def cancel_run(gw: Gateway, run_id: str) -> dict:
    """Mark a run cancelled and remove what it staged; its tasks stop at their next epoch or partition.
    Resumable with --resume (the write-back is done again from the stored model). Returns its state
    (:func:`relmine.runs.run_progress`): the whole run is read once, before."""
    run = get_run(gw, run_id)
    ended = end_run(gw, run_id, "cancelled", f"cancelled (was {run['status']})")
    if not ended["ended"]:
        if ended["current"] and ended["was"] not in TERMINAL:
            raise InputError(f"run {run_id} is being switched in (every partition is written); it cannot be "
                             "cancelled now")
        raise InputError(f"run {run_id} has already ended ({ended['was']})")
    clean_up_staged(gw, run_id, "cancelled")
    return runs.run_progress(gw, run_id)


def end_run(gw: Gateway, run_id: str, status: str, line: str, **props) -> dict:
    """:func:`relmine.runs.end_run`: ``failed`` or ``cancelled`` on a run still going, unless a switch won."""
    return runs.end_run(gw, run_id, status, line, **props)


def check_not_cancelled(gw: Gateway, run_id: str) -> None:
    if runs.run_status(gw, run_id) == "cancelled":
        raise RunCancelled(f"run {run_id} was cancelled")


def get_run(gw: Gateway, run_id: str) -> dict:
    """The whole run (:func:`relmine.runs.get_run`), for callers from outside (the id is checked here)."""
    return runs.get_run(gw, runid.check_run_id(run_id))


update_run = runs.update_run  # the run model's (relmine.runs); the name stays for the callers here


def _paths(home: Path, run_id: str) -> tuple[Path, Path]:
    """Local scratch copies of a run's checkpoint and model, each resolved under its folder of ``home``.

    The graph holds the real ones (``(:Checkpoint)``, ``(:Model)``); these files are only the
    worker's working copies, so a worker with an empty home resumes from the graph.
    """
    run_id = runid.check_run_id(run_id)  # once for both paths
    return (runid.path_under(Path(home) / "checkpoints", run_id, ".pt"),
            runid.path_under(Path(home) / "models", run_id, ".pt"))


def build_model(spec: TrainSpec, in_channels: int, num_relations: int):
    """The recipe's model (:mod:`relmine.gnn.recipe`) at the spec's size, for ``num_relations`` types."""
    from relmine.gnn import recipe
    from relmine.gnn.model import GATLinkPredictor

    return GATLinkPredictor(in_channels, **recipe.model_kwargs(hidden=spec.hidden, conv=spec.conv, heads=spec.heads,
                                                               layers=spec.layers, num_relations=num_relations),
                            num_relations=num_relations, feature_reconstruction=spec.recon_weight > 0)


def config_for(spec: TrainSpec, types: Sequence[str] = ()):
    """The recipe's :class:`TrainConfig` with the spec's choices (epochs, patience, lr, seed, budget; with
    ``contrast_weight``, the contrastive term on the substitute-like ones of the run's ``types``)."""
    from relmine.gnn import recipe

    contrast = {}
    if spec.contrast_weight > 0:
        contrast = {"contrast_weight": spec.contrast_weight,
                    "contrast_types": tuple(i for i, t in enumerate(types) if KIND.get(t) == "substitute")}
    return recipe.train_config(epochs=spec.epochs, device=spec.device, progress=False, patience=spec.patience,
                               lr=spec.lr, seed=spec.seed, recon_weight=spec.recon_weight,
                               max_step_edges=spec.max_step_edges, **contrast)


def _partitions(gw: Gateway, run_id: str, spec: TrainSpec, skus: list[str]) -> list[int]:
    existing = gw.read("learn/partitions_of_run", {"run_id": run_id})
    if existing:  # a redelivered task: keep the partitions already recorded
        return [p["number"] for p in existing]
    return list(range(chunk_products(gw, run_id, skus, spec.partition_size).count))


def check_memory(spec: TrainSpec, lg, paths3: tuple[str, int] = ("off", 0)) -> int:
    """Refuse, before training, a graph whose estimated peak is over ``spec.memory_gb``; returns the estimate.

    ``paths3``: the run's 3-path mode and its graph's two-hop walks (:func:`paths3_mode_of`).
    """
    from relmine.gnn.train import fits_one_step
    from relmine.learn.pull import memory_estimate

    directed = 2 * lg.pairs.shape[1]
    step = directed + lg.num_nodes if fits_one_step(directed, lg.num_nodes, spec.max_step_edges) \
        else spec.max_step_edges
    mode, walks = paths3
    need = memory_estimate(lg.num_nodes, lg.pairs.shape[1], lg.x.size(1), step,
                           paths3_walks=walks if mode == "index" else 0)
    if need > spec.memory_gb * 2**30:
        raise InputError(
            f"this run needs about {need / 2**30:.1f} GB ({lg.num_nodes:,} products, {lg.pairs.shape[1]:,} "
            f"relations kept, {lg.x.size(1)} features, steps of up to {step:,} edges), over its memory budget "
            f"of {spec.memory_gb:g} GB: lower --max-step-edges, keep fewer relations (--top-k-relations, "
            f"--min-count) or raise --memory-gb")
    return need


def pull_train_embed(gw: Gateway, run_id: str, home: Path,
                     on_epoch: Callable[[dict], None] | None = None) -> list[int]:
    """Pull, split, train (resuming from a checkpoint), test, embed; the partitions to write back.

    ``run_id`` is checked by the caller (the worker task); the ``(:Run)`` is read whole once here."""
    from relmine.gnn.train import PairSet
    from relmine.learn.pull import pull_learning_graph, split_relations

    run = runs.get_run(gw, run_id)
    spec = TrainSpec.from_json(run["params"])
    checkpoint, model_path = _paths(home, run_id)
    types = learnable_types(gw, spec.relation_types)
    if run["status"] in TERMINAL:
        return []
    if runs.read_artifact(gw, run_id, "model") is not None and gw.read("learn/partitions_of_run", {"run_id": run_id}):
        # trained and embedded before a crash or a broker outage: only the write-back remains, and of it only
        # the partitions whose task never reached the broker (the others are queued or written already)
        return unpublished_partitions(gw, run_id)
    if run.get("refresh_of"):
        if run.get("refresh_mode") == "incremental":
            return refresh_incremental(gw, run_id, spec, run["refresh_of"])
        return refresh_and_embed(gw, run_id, spec, run["refresh_of"])
    runs.set_stage(gw, run_id, "pulling", f"pulling: relation types {', '.join(types)}", relation_types=types)
    lg = pull_learning_graph(gw, types, spec.relation_filter(), text_dim=spec.text_features,
                             progress=_pull_progress(gw, run_id))
    paths3, walks = paths3_mode_of(lg, with_walks=True)
    need = check_memory(spec, lg, (paths3, walks))
    local = _local_types(types)[lg.types]
    split = split_relations(lg, seed=spec.seed, val_ratio=spec.val_ratio, test_ratio=spec.test_ratio,
                           holdout=spec.holdout)
    st = lg.stats
    runs.set_stage(gw, run_id, "training",
               f"training: {st['products']:,} products, {st['relations_kept']:,} of {st['relations_undirected']:,} "
               f"relations kept (min count {spec.min_count:g}, top {spec.top_k_relations} per product), "
               f"{split.held_out['val_pairs']:,} validation and {split.held_out['test_pairs']:,} test pairs held "
               f"out{_windows_text(split.held_out)}; {lg.features} features; estimated peak {need / 2**30:.1f} GB",
               epochs=spec.epochs, pull_edges=st["relations_pulled"], relations_kept=st["relations_kept"],
               graph=json.dumps(st), split=json.dumps(split.held_out))
    train_graph = lg.data(lg.pairs[:, split.train], local[split.train], lg.weights[split.train])
    baskets, why = _dated_baskets(gw, run_id, lg, split)
    val = _validation(gw, run_id, spec, lg, split, baskets, PairSet(train_graph, split.val_pos, split.val_neg))
    prepared = _Prepared(spec, types, lg, local, split, train_graph, val, paths3, baskets, why)
    with paths3_forced(paths3):
        return _train_and_embed(gw, run_id, prepared, checkpoint, model_path, on_epoch)


@dataclass
class _Prepared:
    """What a training task has pulled and decided before it trains: the run's spec and relation types, its
    learning graph (``local``: each relation's type index), the held-out split and the graph it trains on,
    what it early-stops on (validation pairs or a :class:`relmine.learn.blend.WindowCriterion`), the 3-path
    mode, and the dated baskets it ranks with (``None``, and ``why`` not, where it writes the decoder's
    ranking)."""

    spec: TrainSpec
    types: list[str]
    lg: object
    local: object
    split: object
    train_graph: object
    val: object
    paths3: str
    baskets: object
    why: str


def _dated_baskets(gw, run_id, lg, split):
    """``(baskets, why)``: the dated sale orders a run held out by time ranks with (read once, before
    training: its early stopping ranks them too), or ``None`` and why it writes the decoder's ranking."""
    from relmine.learn import blend as B

    why = B.usable(lg, split)  # a random holdout, a catalogue too large
    if why is not None:
        return None, why
    update_run(gw, run_id, "ranking: reading the dated sale orders")
    _, baskets = B.read_baskets(gw, {s: i for i, s in enumerate(lg.skus)})
    why = B.usable(lg, split, baskets)
    return (baskets, "") if why is None else (None, why)


def _validation(gw, run_id, spec, lg, split, baskets, pairs):
    """What training early-stops on: the validation pairs' Hits@50 against uniform non-edges, or, where the
    run writes the blend, the blend's precision on the validation window (:class:`relmine.learn.blend.
    WindowCriterion`)."""
    if baskets is None:
        return pairs
    from relmine.learn import blend as B

    crit, why = B.criterion(lg, split, baskets, pairs.graph, seed=spec.seed, budget=spec.max_step_edges)
    if crit is None:
        update_run(gw, run_id, f"validation: Hits@50 of the validation pairs against uniform non-edges ({why})")
        return pairs
    info = crit.info
    update_run(gw, run_id, f"validation: the written blend's P@{crit.k} on the validation window ({info['from']} to "
                           f"{info['to']}: {info['new_pairs']:,} new pairs, {info['sources']:,} products' "
                           f"{info['candidates']:,} candidates)")
    return crit


def _rank(gw, run_id, prepared: _Prepared, model, embeddings):
    """The run's ranking figures on its test window, and the blend it writes where it can
    (:mod:`relmine.learn.blend`; ``None``: the decoder's own ranking is written)."""
    from relmine.learn import blend as B
    from relmine.learn.ranking import ranking_metrics

    spec, lg, local, split, train_graph = (prepared.spec, prepared.lg, prepared.local, prepared.split,
                                           prepared.train_graph)
    if split.held_out.get("holdout") != "time":
        return {}, None
    baskets, why = prepared.baskets, prepared.why
    if baskets is not None:
        blend = B.blend_run(model, lg, local, split, baskets, embeddings, seed=spec.seed,
                            budget=spec.max_step_edges, top_k=spec.top_k,
                            progress=lambda line: update_run(gw, run_id, line))
        if blend.ranking:
            update_run(gw, run_id, f"testing: the written ranking on the test window "
                                   f"({_describe_ranking(blend.ranking)}; blend fitted in {blend.seconds:.0f}s)")
        return blend.ranking, blend
    ranking = ranking_metrics(model, train_graph, split.test_pos, seed=spec.seed, budget=spec.max_step_edges)
    if ranking:
        update_run(gw, run_id, f"testing: the write-back's ranking on the test window, the decoder's own ({why}; "
                               f"{_describe_ranking(ranking)})")
    return ranking, None


def _ranked(src, dst, score, types) -> dict:
    """The outputs artifact's entries for lists ranked in the training task (relmine.learn.writeback.Bundle)."""
    return {"ranked_src": src, "ranked_dst": dst, "ranked_score": score, "ranked_type": types}


def _windows_text(held: dict) -> str:
    """How the slices were held out, for the run's log."""
    if held.get("holdout") != "time":
        return " at random"
    return (f" by time (validation: pairs first seen from {held['val_from']}, test: from {held['test_from']} "
            f"to {held['test_to']}; the model learns from the pairs seen before)")


def _describe_ranking(ranking: dict) -> str:
    """``400 products: model P@10 0.12 R@10 0.08, RA 0.10 / 0.07, ...; candidates hold 31% of the pairs``."""
    k = ranking["k"]
    names = [m for m in ("model", "gnn", "ra", "aa", "cn", "cocount", "recent_ra", "recent_popularity",
                         "heuristic_reranker") if isinstance(ranking.get(m), dict) and ranking[m]]
    parts = [f"{name if name in ('model', 'gnn') or '_' in name else name.upper()} "
             f"P@{k} {ranking[name][f'precision@{k}']:.3f} R@{k} {ranking[name][f'recall@{k}']:.3f}"
             for name in names]
    return (f"{ranking['sources']:,} products: " + ", ".join(parts)
            + f"; the candidates hold {ranking['coverage']:.0%} of their test pairs")


def paths3_mode_of(lg, with_walks: bool = False):
    """How the run computes the 3-path feature, decided once on its whole learning graph
    (with ``with_walks``: ``(mode, two-hop walks)``)."""
    adj = lg.adjacency()
    return (adj.paths3_mode(), adj.two_hop_walks()) if with_walks else adj.paths3_mode()


def _train_and_embed(gw, run_id, prepared: _Prepared, checkpoint, model_path, on_epoch) -> list[int]:
    from relmine.gnn.train import PairSet, train

    p = prepared
    spec, types, lg, local, split, train_graph, val, paths3 = (p.spec, p.types, p.lg, p.local, p.split,
                                                               p.train_graph, p.val, p.paths3)
    st = lg.stats
    torch.manual_seed(spec.seed)  # the initial weights too depend only on the seed, not on the worker's past
    model = build_model(spec, lg.x.size(1), len(types))
    pull_checkpoint(gw, run_id, checkpoint)
    config = config_for(spec, types)
    criterion = None if isinstance(val, PairSet) else val
    if criterion is not None:
        config = replace(config, val_metric=criterion.name)
    if spec.contrast_weight > 0 and not config.contrast_types:
        log.warning("run %s: --contrast-weight without a substitute-like relation type (%s): the term is off",
                    run_id, ", ".join(types))

    def report(stats) -> None:  # called after the local checkpoint of the epoch is written
        push_checkpoint(gw, run_id, checkpoint, stats.epoch)
        check_not_cancelled(gw, run_id)
        val_txt = ("" if stats.val is None else f", validation {config.val_metric} {stats.val:.4f}"
                   if criterion is None else f", validation {criterion.describe()}")
        update_run(gw, run_id,
                   f"training: epoch {stats.epoch + 1}/{spec.epochs}, loss {stats.loss:.4f}{val_txt}, "
                   f"{stats.edges_per_s:,.0f} edges/s",
                   epoch=stats.epoch + 1, loss=float(stats.loss), train_edges_per_s=float(stats.edges_per_s))
        if on_epoch:
            on_epoch(asdict(stats))

    t1 = time.monotonic()
    result = train(model, [train_graph], config, val=val, checkpoint=checkpoint, on_epoch=report,
                   on_step=_step_progress(gw, run_id))
    t_train = time.monotonic() - t1
    runs.set_stage(gw, run_id, "testing", f"testing: {split.test_pos.size(1):,} held-out pairs, model and CN/AA/RA")
    test = test_metrics(model, train_graph, split)
    t2 = time.monotonic()
    embeddings, attention = full_graph_outputs(model, lg, local, spec.max_step_edges)
    t_embed = time.monotonic() - t2
    ranking, blend = _rank(gw, run_id, prepared, model, embeddings)
    _save_trained(gw, run_id, prepared, model, embeddings, attention, blend)
    model_path.unlink(missing_ok=True)
    numbers = _partitions(gw, run_id, spec, lg.skus)
    metrics = {"final_loss": result.history[-1].loss if result.history else None,
               "epochs_run": result.epochs_run, "best_epoch": result.best_epoch, "best_val": result.best_val,
               "val_metric": config.val_metric, "stopped_early": result.stopped_early,
               "validation": None if criterion is None else {**criterion.info, "best": criterion.best},
               "resumed_from": result.resumed_from, "test": test, "ranking": ranking, "paths3": paths3,
               "blend": None if blend is None else {**blend.fits, "candidates": blend.candidates,
                                                    "seconds": blend.seconds},
               "seconds_pull": st["seconds_pull"],
               "seconds_train": t_train, "seconds_embed": t_embed}
    runs.set_metrics(gw, run_id, metrics, stage="embedding",
                     line=f"embedding: {len(numbers)} partitions to write back (training took {t_train:.1f}s; test "
                          f"{_describe_test(test)})",
                     loss_history=[float(h.loss) for h in result.history])
    return numbers


def _save_trained(gw, run_id, p: _Prepared, model, embeddings, attention, blend) -> None:
    """A trained run's artifacts: its graph, its outputs (embeddings, attention, feature-row digests that a
    later incremental refresh compares with and, where it wrote the blend, the ranked lists) and its model
    (with the blend a refresh ranks with)."""
    from relmine.learn.blend import to_saved

    ranked = {} if blend is None else _ranked(blend.src, blend.dst, blend.score, blend.type)
    buffer = io.BytesIO()
    torch.save({"state": model.cpu().state_dict(), "in_channels": p.lg.x.size(1), "types": list(p.types),
                "spec": p.spec.to_json(), **({} if blend is None else {"blend": to_saved(blend.fitted)})}, buffer)
    runs.save_artifact(gw, run_id, "graph", p.lg.to_bytes())
    runs.save_artifact(gw, run_id, "outputs", _tensor_bytes(embeddings=embeddings, attention=attention,
                                                              types=list(p.types), paths3=p.paths3,
                                                              digests=row_digests(p.lg.x), **ranked))
    runs.save_artifact(gw, run_id, "model", buffer.getvalue())


def refresh_and_embed(gw: Gateway, run_id: str, spec: TrainSpec, source: str) -> list[int]:
    """A refresh: pull the graph as it is now (new products, relations and counts included, through the
    source run's filter), embed every product with the source run's trained model (inference only: a GAT
    embeds products it never saw from their features and relations), and hand the write-back the same
    artifacts a training run does. ``[:PREDICTED]``, embeddings and attention then follow the newest
    evidence; the model itself changes only with ``relmine train`` (the weekly retrain)."""
    from relmine.learn.pull import pull_learning_graph

    stored = runs.read_artifact(gw, source, "model")
    if stored is None:
        raise InputError(f"run {source} has no trained model to refresh")
    saved = load_tensors(stored.data)
    types = list(saved["types"])  # the model's own relation types, in its order
    runs.set_stage(gw, run_id, "pulling", f"pulling: relation types {', '.join(types)} (refreshing {source}'s model)",
                   relation_types=types)
    lg = pull_learning_graph(gw, types, spec.relation_filter(), text_dim=spec.text_features,
                             progress=_pull_progress(gw, run_id))
    if lg.x.size(1) != saved["in_channels"]:
        raise InputError(f"run {source}'s model reads {saved['in_channels']} features and the graph now gives "
                         f"{lg.x.size(1)} (p.features changed?): retrain with `relmine train`")
    model = model_from_saved(saved)  # the bytes read above: the model is not fetched twice
    st = lg.stats
    paths3 = paths3_mode_of(lg)
    runs.set_stage(gw, run_id, "training", f"embedding: {st['products']:,} products, {st['relations_kept']:,} "
                   f"relations kept, with {source}'s model (no training)", pull_edges=st["relations_pulled"],
               relations_kept=st["relations_kept"], graph=json.dumps(st))
    t0 = time.monotonic()
    with paths3_forced(paths3):
        embeddings, attention = full_graph_outputs(model, lg, _local_types(types)[lg.types], spec.max_step_edges)
    t_embed = time.monotonic() - t0
    ranked, t_rank = {}, 0.0
    if "blend" in saved:  # the source run wrote its blend: the refresh ranks with it, on every basket now
        from relmine.learn import blend as B

        update_run(gw, run_id, f"ranking: {source}'s blend of the model and the time heuristics, on the orders "
                               "as they are now")
        t1 = time.monotonic()
        _, baskets = B.read_baskets(gw, {s: i for i, s in enumerate(lg.skus)})
        if baskets.timed and lg.num_nodes <= B.PRODUCTS_MOST:
            with paths3_forced(paths3):  # the decoder's 3-path feature as the write-back computes it
                ranked = _ranked(*B.rank_now(model, lg, baskets, embeddings, B.from_saved(saved["blend"]),
                                             spec.top_k)[:4])
        t_rank = time.monotonic() - t1
    runs.save_artifact(gw, run_id, "graph", lg.to_bytes())
    runs.save_artifact(gw, run_id, "outputs", _tensor_bytes(embeddings=embeddings, attention=attention,
                                                              types=types, paths3=paths3, digests=row_digests(lg.x),
                                                              **ranked))
    runs.save_artifact(gw, run_id, "model", stored.data)
    numbers = _partitions(gw, run_id, spec, lg.skus)
    metrics = {"refresh_of": source, "seconds_pull": st["seconds_pull"], "seconds_embed": t_embed,
               "seconds_rank": t_rank, "ranked_by": "blend" if ranked else "decoder"}
    runs.set_metrics(gw, run_id, metrics, stage="embedding",
                     line=f"embedding: {len(numbers)} partitions to write back (embedding took {t_embed:.1f}s)")
    return numbers


def refresh_incremental(gw: Gateway, run_id: str, spec: TrainSpec, source: str) -> list[int]:
    """An incremental refresh of the current run ``source`` (:mod:`relmine.learn.refresh`): pull the graph as it
    is now, find the products whose neighbourhood changed since the outputs the current run serves were
    written (its own, or those of the incremental refresh that last wrote into it, ``source.state_run``),
    embed only them, exactly, with the source run's model, and hand the write-back their partitions only,
    written in place into the source run (:func:`embed_partition`). Every other product's vector, attention
    and ``[:PREDICTED]`` stay as they are. Without stored outputs to compare with (a run written back by an
    older relmine) every product is refreshed (:func:`refresh_and_embed`). The run's metrics say what was
    refreshed and how long each stage took."""
    import numpy as np

    from relmine.learn import refresh as RF
    from relmine.learn.pull import pull_learning_graph

    t_start = time.monotonic()
    stored = runs.read_artifact(gw, source, "model")
    if stored is None:
        raise InputError(f"run {source} has no trained model to refresh")
    state = runs.get_run(gw, source).get("state_run") or source
    graph_a, outputs_a = runs.read_artifact(gw, state, "graph"), runs.read_artifact(gw, state, "outputs")
    old_graph = old_out = None
    if graph_a is not None and outputs_a is not None:
        old_graph, old_out = load_tensors(graph_a.data), load_tensors(outputs_a.data)
    if old_out is None or "digests" not in old_out:
        update_run(gw, run_id, f"refreshing every product: {state} keeps no outputs to compare the graph with "
                               f"(written back by an older relmine)", refresh_mode="full")
        return refresh_and_embed(gw, run_id, spec, source)
    del graph_a, outputs_a
    saved = load_tensors(stored.data)
    types = list(saved["types"])
    t_read = time.monotonic() - t_start
    runs.set_stage(gw, run_id, "pulling", f"pulling: relation types {', '.join(types)} (an incremental refresh of "
                                          f"{source}, its outputs last written by {state})", relation_types=types)
    lg = pull_learning_graph(gw, types, spec.relation_filter(), text_dim=spec.text_features,
                             progress=_pull_progress(gw, run_id))
    if lg.x.size(1) != saved["in_channels"]:
        raise InputError(f"run {source}'s model reads {saved['in_channels']} features and the graph now gives "
                         f"{lg.x.size(1)} (p.features changed?): retrain with `relmine train`")
    model = model_from_saved(saved)
    layers = len((model.encoder if hasattr(model, "encoder") else model).convs)
    t1 = time.monotonic()
    digests = RF.row_digests(lg.x)
    encoder = model.encoder if hasattr(model, "encoder") else model
    changes = RF.find_changes(old_graph, old_out["digests"], lg, digests, layers,
                              weighted=bool(getattr(encoder, "use_edge_weight", True)))
    t_diff = time.monotonic() - t1
    fig, st = changes.figures, lg.stats
    runs.set_stage(gw, run_id, "training",
                   f"embedding: {fig['products_changed']:,} of {fig['products']:,} products, whose {layers}-hop "
                   f"neighbourhood changed ({fig['products_new']:,} new products, {fig['products_features_changed']:,} "
                   f"with new features; {fig['relations_new']:,} relations new, {fig['relations_reweighted']:,} "
                   f"reweighted, {fig['relations_gone']:,} gone), with {source}'s model (no training)",
                   pull_edges=st["relations_pulled"], relations_kept=st["relations_kept"], graph=json.dumps(st))
    t2 = time.monotonic()
    paths3 = paths3_mode_of(lg)
    subgraph = 0
    if fig["products_changed"]:
        with paths3_forced(paths3):
            rows, columns, att, subgraph = RF.embed_changed(model, lg, _local_types(types)[lg.types], changes,
                                                            spec.max_step_edges)
    else:
        rows, columns, att = torch.zeros(0, old_out["embeddings"].size(1)), np.zeros(0, dtype=np.int64), torch.zeros(0)
    embeddings, attention = RF.merged_outputs(old_out, changes, lg, rows, columns, att)
    centre = old_out["centre"] if "centre" in old_out else old_out["embeddings"].float().mean(dim=0)
    del old_out, old_graph
    t_embed = time.monotonic() - t2
    ranked, t_rank = {}, 0.0
    if "blend" in saved and fig["products_changed"]:  # as the full refresh ranks, kept for the changed products
        from relmine.learn import blend as B

        update_run(gw, run_id, f"ranking: {source}'s blend of the model and the time heuristics, on the orders "
                               "as they are now (the changed products' lists)")
        t3 = time.monotonic()
        _, baskets = B.read_baskets(gw, {s: i for i, s in enumerate(lg.skus)})
        if baskets.timed and lg.num_nodes <= B.PRODUCTS_MOST:
            with paths3_forced(paths3):
                src, dst, score, typ = B.rank_now(model, lg, baskets, embeddings, B.from_saved(saved["blend"]),
                                                  spec.top_k)[:4]
            keep = torch.from_numpy(changes.changed)[src]
            ranked = _ranked(src[keep], dst[keep], score[keep], typ[keep])
        t_rank = time.monotonic() - t3
    t4 = time.monotonic()
    runs.save_artifact(gw, run_id, "graph", lg.to_bytes())
    runs.save_artifact(gw, run_id, "outputs", _tensor_bytes(
        embeddings=embeddings, attention=attention, types=types, paths3=paths3, digests=digests, centre=centre,
        refreshed=torch.from_numpy(changes.changed), **ranked))
    runs.save_artifact(gw, run_id, "model", stored.data)
    numbers = _partitions(gw, run_id, spec, [lg.skus[i] for i in np.flatnonzero(changes.changed)])
    t_save = time.monotonic() - t4
    metrics = {"refresh_of": source, "refresh_mode": "incremental", "compared_with": state, **fig,
               "products_reembedded": fig["products_changed"], "products_in_subgraph": subgraph,
               "ranked_by": "blend" if ranked else "decoder", "seconds_read_state": round(t_read, 2),
               "seconds_pull": st["seconds_pull"], "seconds_diff": round(t_diff, 2), "seconds_embed": round(t_embed, 2),
               "seconds_rank": round(t_rank, 2), "seconds_save": round(t_save, 2),
               "seconds_prepare": round(time.monotonic() - t_start, 2), "prepared_at": time.time()}
    runs.set_metrics(gw, run_id, metrics, stage="embedding",
                     line=f"embedding: {len(numbers)} partitions of the {fig['products_changed']:,} changed products to "
                          f"write into {source} (embedding took {t_embed:.1f}s)")
    if not numbers:
        _finish_incremental(gw, run_id, source)
    return numbers


def _finish_incremental(gw: Gateway, run_id: str, source: str) -> None:
    """An incremental refresh whose partitions are all written: the source run (still the current one) now
    serves the refresh's outputs (``state_run``: the next refresh compares the graph with them); the
    refresh is done, with its write-back's wall time; the artifacts no run serves go."""
    run = runs.get_run(gw, run_id)
    metrics = json.loads(run["metrics"]) if run.get("metrics") else {}
    if "prepared_at" in metrics:
        metrics["seconds_writeback"] = round(time.time() - metrics["prepared_at"], 2)
        metrics["seconds_total"] = round(metrics["seconds_prepare"] + metrics["seconds_writeback"], 2)
        runs.set_metrics(gw, run_id, metrics)
    update_run(gw, source, f"refreshed in place by {run_id}: {metrics.get('products_reembedded', 0):,} of "
                           f"{metrics.get('products', 0):,} products embedded again", state_run=run_id,
               refreshed_by=run_id)
    runs.mark_done(gw, run_id, f"done: {metrics.get('products_reembedded', 0):,} of {metrics.get('products', 0):,} "
                               f"products refreshed in place in {source} ({metrics.get('seconds_total', 0):.1f}s)")
    gw.write_autocommit("runs/delete_finished_artifacts", {})


def _local_types(types: list[str]):
    """OBSERVED id -> the run's own type id (the model knows only the run's types)."""
    import numpy as np

    table = np.zeros(len(OBSERVED), dtype=np.int64)
    for i, t in enumerate(types):
        table[OBSERVED.index(t)] = i
    return table


def _pull_progress(gw: Gateway, run_id: str):
    from relmine.progress import Rate

    rate = Rate()

    def progress(done: int, total: int, relations: int) -> None:
        line = rate.line(done, total, "products", extra=f"{relations:,} relations")
        if line:
            update_run(gw, run_id, f"pulling: {line}")

    return progress


def _write_progress(gw: Gateway, run_id: str, number: int):
    from relmine.progress import Rate

    rate = Rate()

    def progress(done: int, total: int) -> None:
        line = rate.line(done, total, "products")
        if line:
            update_run(gw, run_id, f"embedding: partition {number}, predictions scored for {line}")

    return progress


def _step_progress(gw: Gateway, run_id: str):
    from relmine.progress import Rate

    rate = Rate(every=30.0)

    def progress(seen: int, total: int) -> None:
        line = rate.line(seen, total, "target edges")
        # on the run's log, as an epoch of a large graph takes minutes; the epoch's own line ends it
        if line and seen < total:
            update_run(gw, run_id, f"training: {line}")
        if seen >= total:
            rate.reset()

    return progress


def _describe_test(test: dict) -> str:
    m, ra = test.get("model", {}), test.get("ra", {})
    return (f"AUC {m.get('auc', float('nan')):.4f}, Hits@50 {m.get('hits@50', float('nan')):.4f} "
            f"against RA {ra.get('auc', float('nan')):.4f} / {ra.get('hits@50', float('nan')):.4f}")


def test_metrics(model, train_graph, split) -> dict:
    """Test AUC, Hits@20/50/100 and MRR of the model and of CN, AA, RA, on the run's test slice."""
    from relmine.gnn.evaluate import MODEL, evaluate_split
    from relmine.gnn.edges import LinkSplit

    empty = torch.empty(2, 0, dtype=torch.long)
    link = LinkSplit(train_graph, empty, split.val_pos, split.val_neg, split.test_pos, split.test_neg,
                     split.test_neg_per_edge)
    metrics = evaluate_split(link, model).metrics
    return {("model" if name == MODEL else name.lower()): vals for name, vals in metrics.items()}


def full_graph_outputs(model, lg, local_types, budget: int):
    """Every product's embedding and the attention on every relation kept, from the whole graph, exactly.

    Returns ``(embeddings [N, C], attention [P])``: a relation's attention is
    the mean of its two directions' last-layer attention (heads averaged).
    """
    from relmine.gnn.sampling import encode_layerwise

    model = model.cpu().eval()
    data = lg.data(types=local_types)
    h, att = encode_layerwise(model, data.x, data.edge_index, data.edge_type, data.edge_weight, budget=budget,
                              attention=True)
    p = lg.pairs.shape[1]
    return h.float(), ((att[:p] + att[p:2 * p]) / 2).float()


def _tensor_bytes(**tensors) -> bytes:
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    return buffer.getvalue()


def save_artifact(gw: Gateway, run_id: str, name: str, data: bytes) -> None:
    """Store bytes on the run (:func:`relmine.runs.save_artifact`, ``run://<run id>/<name>``)."""
    runs.save_artifact(gw, run_id, name, data)


def load_artifact(gw: Gateway, run_id: str, name: str) -> dict:
    stored = runs.read_artifact(gw, run_id, name)
    if stored is None:
        raise NotFound(f"run {run_id} has no complete {name!r} artifact in the graph (train it first)")
    return load_tensors(stored.data)


def pull_checkpoint(gw: Gateway, run_id: str, path: Path) -> None:
    """Copy the run's checkpoint from the graph to ``path`` (replacing any local one), if it has one."""
    stored = runs.read_artifact(gw, run_id, "checkpoint")
    if stored is None:
        path.unlink(missing_ok=True)  # a stale local file from another graph must not be resumed
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".pull")
    tmp.write_bytes(stored.data)
    tmp.replace(path)
    log.info("run %s: checkpoint of epoch %d fetched from the graph", run_id, stored.epoch)


def push_checkpoint(gw: Gateway, run_id: str, path: Path, epoch: int) -> None:
    runs.save_artifact(gw, run_id, "checkpoint", path.read_bytes(), epoch=epoch)


def load_model(gw: Gateway, run_id: str):
    """The run's trained model, read from its ``model`` artifact (tensors only); the id is checked here."""
    return _model_of(gw, runid.check_run_id(run_id))


def _model_of(gw: Gateway, run_id: str):
    stored = runs.read_artifact(gw, run_id, "model")
    if stored is None:
        raise NotFound(f"run {run_id} has no trained model in the graph (train it first)")
    return model_from_saved(load_tensors(stored.data))


def model_from_saved(saved: dict):
    """The model a run stored (``runs/save_model``'s tensors, loaded), ready to score."""
    model = build_model(TrainSpec.from_json(saved["spec"]), saved["in_channels"], len(saved["types"]))
    model.load_state_dict(saved["state"])
    model.eval()
    return model


def write_back_partition(gw: Gateway, run_id: str, number: int, home: Path) -> dict:
    """Embeddings, attention and predicted relations of one partition's products, from the whole graph.

    ``run_id`` is checked by the caller (the worker task); the ``(:Run)`` is read whole once, and only its
    state after that (:func:`relmine.runs.run_progress`)."""
    from relmine.learn.writeback import write_partition

    run = runs.get_run(gw, run_id)
    spec = TrainSpec.from_json(run["params"])
    if run["status"] in TERMINAL:
        # cancelled, failed, or done already (a redelivered task of a finished run must neither write
        # again nor switch the current run back to this one)
        return {"skipped": run["status"]}
    if any(p["number"] == number and p["status"] == "done" for p in gw.read("learn/partitions_of_run", {"run_id": run_id})):
        # a redelivered task (its ack was lost with the broker's connection): written already
        finalize_if_complete(gw, run_id, spec)
        return {"skipped": "partition done"}
    model = _model_of(gw, run_id)
    bundle = run_bundle(gw, run_id)
    core = [r["sku"] for r in gw.read("learn/partition_core", {"run_id": run_id, "partition": number})]
    in_place = run.get("refresh_mode") == "incremental"  # written into the serving run, not staged
    with paths3_forced(bundle.paths3):
        written = write_partition(gw, run["refresh_of"] if in_place else run_id, model, bundle, core,
                                  top_k=spec.top_k, progress=_write_progress(gw, run_id, number), in_place=in_place)
    ended = runs.run_status(gw, run_id)
    if ended in ("cancelled", "failed"):  # it ended while this partition was written: what it wrote goes too
        clean_up_staged(gw, run_id, ended)
        return {"skipped": ended}
    gw.write("learn/set_partition_status", {"run_id": run_id, "number": number, "status": "done", "props": written})
    update_run(gw, run_id, f"embedding: partition {number} written ({_describe(written)})")
    finalize_if_complete(gw, run_id, spec)
    return written


_BUNDLES: dict[str, object] = {}


def run_bundle(gw: Gateway, run_id: str):
    """The run's learning graph and outputs (cached in this process: a worker embeds many partitions)."""
    from relmine.learn.writeback import Bundle

    if run_id not in _BUNDLES:
        _BUNDLES.clear()
        _BUNDLES[run_id] = Bundle.from_artifacts(load_artifact(gw, run_id, "graph"),
                                                 load_artifact(gw, run_id, "outputs"))
    return _BUNDLES[run_id]


def _describe(written: dict) -> str:
    return ", ".join(f"{v:,} {k}" if isinstance(v, int) else f"{k} {v}" for k, v in written.items())


def finalize_if_complete(gw: Gateway, run_id: str, spec: TrainSpec | None = None, *,
                         on_step: Callable[[str], None] | None = None) -> bool:
    """Mark the run done once every partition is; idempotent (any task may call it).

    ``on_step(name)``: called after each step of the switch (:data:`relmine.learn.switch.STEPS`), then
    after ``delete older predicted`` (tests read between them)."""
    run = runs.run_progress(gw, run_id)
    if run["status"] in TERMINAL:  # switched already (or ended otherwise): never switch twice
        return run["status"] == "done"
    if run["partitions_total"] == 0 or run["partitions_done"] < run["partitions_total"]:
        return False
    if run.get("refresh_mode") == "incremental":  # written in place: nothing to switch
        _finish_incremental(gw, run_id, run["refresh_of"])
        return True
    spec = spec or TrainSpec.from_json(run["params"])
    from relmine.learn.switch import switch_to

    # one small transaction makes the run current for readers, predictions and vectors together; its
    # vectors are then copied into place in batches (relmine.learn.switch); a task that dies here is
    # delivered again, finds the run not done yet, and does what is left.
    if not switch_to(gw, run_id, spec.hidden, on_step):
        # cancelled or failed after the check above: that won, and what the run staged goes (again, should
        # the cancel's own clean-up have run before the staged index was made)
        clean_up_staged(gw, run_id, runs.run_status(gw, run_id))
        return False
    # only after the switch: the older runs' predicted relations go
    gw.write_autocommit("learn/delete_older_predicted", {"run_id": run_id})
    gw.write_autocommit("learn/delete_older_memberships", {"run_id": run_id})
    if on_step is not None:
        on_step("delete older predicted")
    runs.mark_done(gw, run_id)
    # a done run is never written back or resumed again: its artifacts (the learning graph and outputs,
    # about 50 MB on a 56k-product graph) and checkpoint go; its model stays for `relmine evaluate --run`
    gw.write_autocommit("runs/delete_finished_artifacts", {})
    return True


def fail_run(gw: Gateway, run_id: str, error: str) -> None:
    """Mark a run failed with the reason and remove what it staged (a done or cancelled run stays as it is)."""
    if end_run(gw, run_id, "failed", f"failed: {error[:500]}", error=error[:2000])["ended"]:
        clean_up_staged(gw, run_id, "failed")


def clean_up_staged(gw: Gateway, run_id: str, why: str) -> dict:
    """Remove a cancelled or failed run's staged ``[:PREDICTED]``, ``p.embedding_next`` and ``r.attention_next``,
    in batches, and make its partitions pending again; says on the run's log what went.

    A run that is current (switched, so done) is never touched: its results are the graph's. Idempotent:
    a write-back task that was mid-partition when the run ended calls it again after its last write.
    """
    run = runs.run_progress(gw, run_id)
    if run["current"] or run["status"] not in ("cancelled", "failed"):
        return {}
    staged = gw.read_one("runs/staged_counts", {"run_id": run_id}) or {}
    for statement in ("runs/delete_staged_predicted", "runs/delete_staged_embeddings", "runs/delete_staged_attention"):
        gw.write_autocommit(statement, {"run_id": run_id})
    gw.write("runs/reset_partitions", {"run_id": run_id, "all": True})
    removed = {k: int(staged.get(k) or 0) for k in ("predicted", "embeddings", "attention")}
    if any(removed.values()):
        update_run(gw, run_id, f"{why}: cleaned up {removed['predicted']:,} staged predicted relations, "
                               f"{removed['embeddings']:,} staged embeddings and {removed['attention']:,} staged "
                               f"attention values (`relmine train --resume {run_id}` writes them again)",
                   cleaned_up=json.dumps(removed))
    return removed


def unpublished_partitions(gw: Gateway, run_id: str) -> list[int]:
    """The run's partitions still to write whose task has not reached the broker (the outbox)."""
    return [p["number"] for p in gw.read("learn/partitions_of_run", {"run_id": run_id})
            if p["status"] != "done" and not p["published"]]


def mark_published(gw: Gateway, run_id: str, number: int) -> None:
    gw.write("learn/mark_partition_published", {"run_id": run_id, "number": number})


def check_trainable(gw: Gateway, spec: TrainSpec) -> list[str]:
    types = learnable_types(gw, spec.relation_types)
    if not types:
        raise InputError("the graph has no observed product relations to learn from; ingest some first")
    return types


MAX_LOST_WORKERS = 2


def begin_attempt(gw: Gateway, run_id: str, worker: str) -> bool:
    """Open a training attempt; False (and the run failed) once workers were lost twice on it.

    With ``acks_late`` a task whose worker dies (killed for memory, say) is
    delivered again: an attempt still open when the next one begins means
    its worker was lost. After :data:`MAX_LOST_WORKERS` of them the run fails
    with the reason instead of killing worker after worker.
    """
    rows = gw.write("runs/begin_attempt", {"run_id": run_id, "worker": worker}).records
    lost = rows[0]["lost"] if rows else 0
    if lost >= MAX_LOST_WORKERS:
        fail_run(gw, run_id, f"the worker training this run was lost {lost} times (killed mid-task, e.g. by the "
                             "kernel for memory); not retried again. Lower --max-step-edges or --memory-gb, keep "
                             "fewer relations (--top-k-relations, --min-count), or give the worker more memory, "
                             "then `relmine train --resume`")
        end_attempt(gw, run_id)
        return False
    if lost:
        update_run(gw, run_id, f"a worker was lost mid-task ({lost} of {MAX_LOST_WORKERS} allowed); resuming")
    return True


def end_attempt(gw: Gateway, run_id: str) -> None:
    gw.write("runs/end_attempt", {"run_id": run_id})


def pull_run_graph(gw: Gateway, run: dict):
    """``(spec, types, learning graph)`` of a run (:func:`get_run`), pulled again with its own settings."""
    from relmine.learn.pull import pull_learning_graph

    spec = TrainSpec.from_json(run["params"])
    types = list(run.get("relation_types") or learnable_types(gw, spec.relation_types))
    return spec, types, pull_learning_graph(gw, types, spec.relation_filter(), text_dim=spec.text_features)


def evaluate_run(gw: Gateway, run_id: str) -> dict:
    """Score a shipped run's model again on its own test slice: ``{"test": ..., "stored": ..., "same_graph": bool}``.

    The learning graph is pulled again with the run's settings and split with
    its seed; when the graph has not changed since the run, this is the very
    slice the run held out, and the figures equal those on the ``(:Run)``.
    """
    from relmine.learn.pull import split_relations

    run_id = runid.check_run_id(run_id)
    run = runs.get_run(gw, run_id)
    if run.get("kind") != "train":
        raise InputError(f"run {run_id} is a {run.get('kind')} run, not a training run")
    model = _model_of(gw, run_id)
    spec, types, lg = pull_run_graph(gw, run)
    recorded = json.loads(run["graph"]) if run.get("graph") else {}
    same = (recorded.get("products"), recorded.get("relations_kept")) == (lg.num_nodes, int(lg.pairs.shape[1]))
    local = _local_types(types)[lg.types]
    split = split_relations(lg, seed=spec.seed, val_ratio=spec.val_ratio, test_ratio=spec.test_ratio,
                           holdout=spec.holdout)
    train_graph = lg.data(lg.pairs[:, split.train], local[split.train], lg.weights[split.train])
    stored = (json.loads(run["metrics"]) if run.get("metrics") else {}).get("test")
    with paths3_forced(paths3_mode_of(lg)):
        test = test_metrics(model, train_graph, split)
    return {"run": run_id, "test": test, "stored": stored, "same_graph": same,
            "graph": {"products": lg.num_nodes, "relations_kept": int(lg.pairs.shape[1])}, "recorded": recorded}
