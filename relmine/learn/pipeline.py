"""A training run end to end, as steps the workers call.

1. :func:`create_run` records ``(:Run {kind: 'train', status: 'queued', params})``.
2. :func:`train_run` (queue ``train``): partitions the graph (once per run),
   extracts every partition, trains one shared model with the partitions as
   mini-batches, checkpointing every epoch (a redelivered task resumes), and
   saves the model. Returns the partition numbers to embed.
3. :func:`embed_partition` (queue ``embed``, one task per partition): writes
   the core products' embeddings, the attention on their observed relations
   and their top-k predicted relations, then marks the partition done.
4. :func:`finalize_if_complete`: once every partition is done (whichever task
   finishes last), (re)creates the vector index, removes the predicted
   relations of older runs, and marks the run done.

Every step is idempotent for its (run, partition): writes are keyed by run,
so a retried or redelivered task changes nothing twice.

Older runs: a newer completed run overwrites ``p.embedding`` (with
``p.embedding_run``) and ``r.attention`` (with ``r.attention_run``), and its
completion deletes the ``[:PREDICTED]`` relationships of every other run; the
``(:Run)`` nodes with their parameters and metrics are kept for comparison.
"""

from __future__ import annotations

import json
import io
import logging
import pickle
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import torch

from relmine import runid
from relmine.errors import InputError, NotFound
from relmine.gateway import Gateway
from relmine.learn.extract import Subgraph, extract_partition
from relmine.learn.partition import learnable_types, partition_products
from relmine.learn.spec import TrainSpec
from relmine.learn.writeback import write_partition
from relmine.relations import OBSERVED

log = logging.getLogger(__name__)

TERMINAL = ("done", "failed", "cancelled")


class RunCancelled(Exception):
    """The run was cancelled (``relmine run-cancel``) while a task worked on it."""


def new_run_id() -> str:
    return runid.new_run_id("train")


def create_run(gw: Gateway, spec: TrainSpec, run_id: str | None = None) -> str:
    """Record a queued run; refused while another training run of this graph has not ended."""
    run_id = runid.run_id_or_new(run_id, "train")
    check_no_other_active(gw, run_id)
    gw.write("runs/create_run", {"id": run_id, "kind": "train", "params": spec.to_json()})
    return run_id


def check_no_other_active(gw: Gateway, run_id: str) -> None:
    """At most one training run per graph: refuse while another one is queued or working."""
    others = gw.read("runs/active_train_runs", {"id": run_id})
    if others:
        o = others[0]
        raise InputError(f"training run {o['id']} is {o['status']} (last update {o['updated_at']}); one training "
                         f"run per graph at a time: wait for it, `relmine train --resume {o['id']}` if its "
                         f"worker died, or `relmine run-cancel {o['id']}`")


def resume_run(gw: Gateway, run_id: str) -> dict:
    """Queue a failed, cancelled or stuck run again; it continues from its checkpoint in the graph."""
    run = get_run(gw, run_id)
    if run.get("kind") != "train":
        raise InputError(f"run {run_id} is a {run.get('kind')} run, not a training run")
    if run["status"] == "done":
        raise InputError(f"run {run_id} is already done; nothing to resume")
    check_no_other_active(gw, run_id)
    update_run(gw, run_id, f"resume requested (was {run['status']})")
    gw.write("runs/requeue_run", {"id": run_id})
    return get_run(gw, run_id)


def cancel_run(gw: Gateway, run_id: str) -> dict:
    """Mark a run cancelled; its tasks stop at their next epoch or partition. Resumable with --resume."""
    run = get_run(gw, run_id)
    if run["status"] in TERMINAL:
        raise InputError(f"run {run_id} has already ended ({run['status']})")
    update_run(gw, run_id, f"cancelled (was {run['status']})", status="cancelled")
    return get_run(gw, run_id)


def check_not_cancelled(gw: Gateway, run_id: str) -> None:
    if gw.read_one("runs/get_run", {"id": run_id})["run"]["status"] == "cancelled":
        raise RunCancelled(f"run {run_id} was cancelled")


def get_run(gw: Gateway, run_id: str) -> dict:
    runid.check_run_id(run_id)
    row = gw.read_one("runs/get_run", {"id": run_id})
    if row is None or row["run"] is None:
        raise NotFound(f"no run {run_id!r}")
    return {**row["run"], "partitions_total": row["partitions_total"], "partitions_done": row["partitions_done"]}


def update_run(gw: Gateway, run_id: str, line: str | None = None, **props) -> None:
    """Set progress properties on the run; with ``line``, also append it to the run's log."""
    if line is None:
        gw.write("runs/update_run", {"id": run_id, "props": props})
        return
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    log.info("run %s: %s", run_id, line)
    gw.write("runs/log_progress", {"id": run_id, "props": props, "line": f"{stamp} {line}"})


def run_spec(gw: Gateway, run_id: str) -> TrainSpec:
    return TrainSpec.from_json(get_run(gw, run_id)["params"])


def _paths(home: Path, run_id: str) -> tuple[Path, Path]:
    """Local scratch copies of a run's checkpoint and model, each resolved under its folder of ``home``.

    The graph holds the real ones (``(:Checkpoint)``, ``(:Model)``); these files are only the
    worker's working copies, so a worker with an empty home resumes from the graph.
    """
    return (runid.path_under(Path(home) / "checkpoints", run_id, ".pt"),
            runid.path_under(Path(home) / "models", run_id, ".pt"))


def build_model(spec: TrainSpec, in_channels: int):
    from relmine.gnn.model import GATLinkPredictor

    return GATLinkPredictor(in_channels, spec.hidden, num_layers=spec.layers, heads=spec.heads,
                            num_relations=len(OBSERVED), feature_reconstruction=spec.recon_weight > 0)


def _partitions(gw: Gateway, run_id: str, spec: TrainSpec, types: list[str]) -> list[int]:
    existing = gw.read("learn/partitions_of_run", {"run": run_id})
    if existing:  # a redelivered task: keep the partitions already recorded
        return [p["number"] for p in existing]
    plan = partition_products(gw, run_id, spec.partition_size, types)
    return list(range(plan.count))


def train_run(gw: Gateway, run_id: str, home: Path,
              on_epoch: Callable[[dict], None] | None = None) -> list[int]:
    """Partition, extract, train (resuming from a checkpoint), save the model; partitions to embed."""
    from relmine.gnn.train import TrainConfig, train

    run = get_run(gw, run_id)
    spec = TrainSpec.from_json(run["params"])
    checkpoint, model_path = _paths(home, run_id)
    types = learnable_types(gw, spec.relation_types)
    if run["status"] in TERMINAL:
        return []
    update_run(gw, run_id, f"partitioning: relation types {', '.join(types)}", status="partitioning",
               relation_types=types)
    t0 = time.monotonic()
    numbers = _partitions(gw, run_id, spec, types)
    if gw.read_one("runs/get_model", {"run": run_id}):  # trained before a crash: only the embedding remains
        return [p["number"] for p in gw.read("learn/partitions_of_run", {"run": run_id}) if p["status"] != "done"]
    t_part = time.monotonic() - t0
    subgraphs = [extract_partition(gw, run_id, n, types, halo_hops=spec.halo_hops, text_dim=spec.text_features)
                 for n in numbers]
    pulled = sum(s.num_edges for s in subgraphs)
    t_pull = sum(s.seconds for s in subgraphs)
    rate = pulled / max(t_pull, 1e-9)
    update_run(gw, run_id, f"training: {len(numbers)} partitions, {pulled:,} edges pulled ({rate:,.0f} edges/s)",
               status="training", epochs=spec.epochs, partitions=len(numbers), pull_edges=pulled,
               pull_edges_per_s=rate)
    torch.manual_seed(spec.seed)  # the initial weights too depend only on the seed, not on the worker's past
    model = build_model(spec, subgraphs[0].data.num_features)
    pull_checkpoint(gw, run_id, checkpoint)
    config = TrainConfig(epochs=spec.epochs, lr=spec.lr, seed=spec.seed, device=spec.device,
                         recon_weight=spec.recon_weight, progress=False, patience=spec.epochs)

    def report(stats) -> None:  # called after the local checkpoint of the epoch is written
        push_checkpoint(gw, run_id, checkpoint, stats.epoch)
        check_not_cancelled(gw, run_id)
        update_run(gw, run_id,
                   f"training: epoch {stats.epoch + 1}/{spec.epochs}, loss {stats.loss:.4f}, "
                   f"{stats.edges_per_s:,.0f} edges/s",
                   epoch=stats.epoch + 1, loss=float(stats.loss), train_edges_per_s=float(stats.edges_per_s))
        if on_epoch:
            on_epoch(asdict(stats))

    t1 = time.monotonic()
    result = train(model, [s.data for s in subgraphs], config, checkpoint=checkpoint, on_epoch=report)
    t_train = time.monotonic() - t1
    buffer = io.BytesIO()
    torch.save({"state": model.cpu().state_dict(), "in_channels": subgraphs[0].data.num_features,
                "spec": spec.to_json()}, buffer)
    gw.write("runs/save_model", {"run": run_id, "bytes": buffer.getvalue()})
    model_path.unlink(missing_ok=True)
    metrics = {"final_loss": result.history[-1].loss if result.history else None,
               "epochs_run": result.epochs_run, "resumed_from": result.resumed_from,
               "seconds_partition": t_part, "seconds_pull": t_pull, "seconds_train": t_train}
    update_run(gw, run_id, f"embedding: {len(numbers)} partitions queued (training took {t_train:.1f}s)",
               status="embedding", metrics=json.dumps(metrics),
               loss_history=[float(h.loss) for h in result.history])
    return numbers


def pull_checkpoint(gw: Gateway, run_id: str, path: Path) -> None:
    """Copy the run's checkpoint from the graph to ``path`` (replacing any local one), if it has one."""
    row = gw.read_one("runs/get_checkpoint", {"run": run_id})
    if row is None:
        path.unlink(missing_ok=True)  # a stale local file from another graph must not be resumed
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".pull")
    tmp.write_bytes(bytes(row["bytes"]))
    tmp.replace(path)
    log.info("run %s: checkpoint of epoch %d fetched from the graph", run_id, row["epoch"])


def push_checkpoint(gw: Gateway, run_id: str, path: Path, epoch: int) -> None:
    gw.write("runs/save_checkpoint", {"run": run_id, "bytes": path.read_bytes(), "epoch": epoch})


def load_model(gw: Gateway, run_id: str):
    """The run's trained model, read from its ``(:Model)`` node (tensors only)."""
    runid.check_run_id(run_id)
    row = gw.read_one("runs/get_model", {"run": run_id})
    if row is None:
        raise NotFound(f"run {run_id} has no trained model in the graph (train it first)")
    saved = load_tensors(bytes(row["bytes"]))
    model = build_model(TrainSpec.from_json(saved["spec"]), saved["in_channels"])
    model.load_state_dict(saved["state"])
    model.eval()
    return model


def load_tensors(source: Path | bytes) -> dict:
    """A saved dict of tensors and plain values; never unpickles code (``weights_only=True``)."""
    what = "stored bytes" if isinstance(source, bytes) else str(source)
    try:
        return torch.load(io.BytesIO(source) if isinstance(source, bytes) else source, map_location="cpu",
                          weights_only=True)
    except pickle.UnpicklingError as exc:
        raise InputError(f"{what} are not a relmine model or checkpoint (only tensors and plain values "
                         f"are loaded): {str(exc).splitlines()[0]}") from exc


def embed_partition(gw: Gateway, run_id: str, number: int, home: Path) -> dict:
    """Embeddings, attention and predicted relations of one partition's core products."""
    spec = run_spec(gw, run_id)
    run = get_run(gw, run_id)
    if run["status"] == "cancelled":
        return {"cancelled": 1}
    types = run.get("relation_types") or learnable_types(gw, spec.relation_types)
    model = load_model(gw, run_id)
    sub: Subgraph = extract_partition(gw, run_id, number, list(types), halo_hops=spec.halo_hops,
                                      text_dim=spec.text_features)
    written = write_partition(gw, run_id, model, sub, top_k=spec.top_k)
    gw.write("learn/set_partition_status", {"run": run_id, "number": number, "status": "done", "props": written})
    update_run(gw, run_id, f"embedding: partition {number} written ({_describe(written)})")
    finalize_if_complete(gw, run_id, spec)
    return written


def _describe(written: dict) -> str:
    return ", ".join(f"{v:,} {k}" if isinstance(v, int) else f"{k} {v}" for k, v in written.items())


def finalize_if_complete(gw: Gateway, run_id: str, spec: TrainSpec | None = None) -> bool:
    """Mark the run done once every partition is; idempotent (any task may call it)."""
    run = get_run(gw, run_id)
    if run["partitions_total"] == 0 or run["partitions_done"] < run["partitions_total"]:
        return False
    spec = spec or TrainSpec.from_json(run["params"])
    from relmine.learn.writeback import ensure_vector_index

    ensure_vector_index(gw, spec.hidden)
    # the switch: one transaction; readers see the previous complete run until it commits
    gw.write("runs/switch_current_train", {"run": run_id})
    # only after the switch: the older runs' predicted relations go
    gw.write_autocommit("learn/delete_older_predicted", {"run": run_id})
    gw.write_autocommit("learn/delete_older_memberships", {"run": run_id})
    update_run(gw, run_id, "done", status="done")
    gw.write("runs/mark_finished", {"id": run_id})
    return True


def fail_run(gw: Gateway, run_id: str, error: str) -> None:
    if get_run(gw, run_id)["status"] == "cancelled":  # a cancelled run stays cancelled
        return
    update_run(gw, run_id, f"failed: {error[:500]}", status="failed", error=error[:2000])


def check_trainable(gw: Gateway, spec: TrainSpec) -> list[str]:
    types = learnable_types(gw, spec.relation_types)
    if not types:
        raise InputError("the graph has no observed product relations to learn from; ingest some first")
    return types
