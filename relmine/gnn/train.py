"""Self-supervised link-prediction training over subgraph partitions.

The recipe (each step measured on Amazon Photo, see ``bench/evaluate_photo.py``):

* **One shared model, partitions as mini-batches.** ``partitions`` is a list
  of PyG ``Data`` (one per subgraph job; a single graph is a list of one).
  Every epoch visits the partitions in a random order and, inside each, the
  target edges in random mini-batches of ``batch_size``.
* **Full graph, target edges masked from the encoder.** A step runs the
  encoder on the partition's graph *minus the batch's target edges*, so an
  embedding never carries the edge it must predict. The decoder's structural
  features are taken on the whole graph but always "as if the pair's own
  edge were absent" (:func:`relmine.gnn.model.pair_features`), so they need
  no masking and a training edge looks like a held-out one. Without the
  masking, validation Hits@50 peaked at 0.65 and fell while the loss kept
  dropping. A graph over the step budget (``max_step_edges``) is encoded
  on a fresh node-wide sample of its edges each step, or on 2-hop samples
  around the batch when even that does not fit
  (:mod:`relmine.gnn.sampling`).
* **Uniform negatives, two per positive.** A classifier trained against
  negatives drawn from ``q`` ranks pairs by ``p(pair | edge) / q(pair)``;
  Hits@K and AUC are measured against uniform non-edges, so uniform ``q``
  gives the ranking they reward. "Hard" two-hop negatives shift that
  ranking against pairs with common neighbours, the very pairs that decide
  Hits@K. Measured with a boosted-tree classifier on the decoder's pair
  features (seed 0): test Hits@50 0.570 with uniform negatives, 0.533 with
  half of them two-hop, 0.06 when the highest-RA of eight two-hop
  candidates is kept. ``hard_negative_ratio`` stays available for other
  targets.
* Binary cross-entropy on existence; cross-entropy on the relation type of
  positives when the model has a type head and the partition has types;
  optional reconstruction loss (dot-product edge reconstruction plus
  node-feature MSE) weighted by ``recon_weight``.
* Adam, gradient clipping, early stopping on a validation metric (default
  Hits@50 on validation pairs; or a caller's :class:`Criterion`, such as the
  ranking a run held out by time writes, scored on its validation window),
  the best weights restored at the end. Optionally the learning
  rate is cut (``lr_decay``) after every ``lr_patience`` epochs without
  validation gain, before ``patience`` stops the run (tried on Photo and
  left out of the recipe: :mod:`relmine.gnn.recipe` says why).
* Deterministic under ``seed`` (seeded torch/numpy/random, deterministic
  algorithms where torch has them) and resumable: with ``checkpoint`` set,
  model, optimiser, epoch, RNG states and early-stopping state are saved
  atomically after every epoch; calling :func:`train` again with the same
  path continues where it stopped, with results identical to an
  uninterrupted run.
* CUDA when present (``device="auto"``), with bf16 autocast there
  (``amp``); CPU otherwise.

Data conventions: ``x [N, F]``, ``edge_index [2, E]`` (both directions),
optional ``edge_type [E]`` (long, ``< model.num_relations``),
``edge_weight [E]``; optional ``target_index [2, T]`` (undirected pairs to
learn from; default: every observed relation once per type) and
``target_type [T]``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import Data

from relmine.device import pick_device
from relmine.errors import UnsafeFile
from relmine.gnn.edges import Adjacency, _ranges, typed_undirected_pairs
from relmine.gnn.metrics import metric
from relmine.gnn.model import GATLinkPredictor
from relmine.gnn.sampling import InEdges, encode_layerwise, node_wide_fanout, sampled_edges

log = logging.getLogger(__name__)

# Fields that may differ between a checkpoint and the run resuming it.
_RESUMABLE_CHANGES = {"epochs", "patience", "device", "progress", "eval_batch_size", "max_step_edges"}


@dataclass
class TrainConfig:
    """Hyper-parameters of a training run (model size lives in the model)."""

    epochs: int = 50
    lr: float = 0.005
    weight_decay: float = 0.0
    batch_size: int = 16384           # positive target edges per step
    negatives_per_positive: int = 2
    hard_negative_ratio: float = 0.0  # share of negatives drawn two hops from a positive
    mask_target_edges: bool = True
    patience: int = 10                # epochs without validation gain before stopping
    lr_decay: float = 1.0             # multiply the learning rate by this ...
    lr_patience: int = 0              # ... after every lr_patience epochs without validation gain (0: never)
    val_metric: str = "hits@50"
    recon_weight: float = 0.0         # > 0 adds edge + node-feature reconstruction loss
    type_weight: float = 1.0
    # > 0 adds a contrastive term on the embeddings: each target pair of a type in ``contrast_types``
    # (substitute-like) is pulled together in the centred, normalised space the write-back stores,
    # against the other pairs of the step (InfoNCE, both directions, at ``contrast_temperature``)
    contrast_weight: float = 0.0
    contrast_types: tuple[int, ...] = ()
    contrast_temperature: float = 0.1
    grad_clip: float = 1.0
    eval_batch_size: int = 65536
    seed: int = 0
    device: str = "auto"              # auto: cuda if available, else cpu
    amp: bool = True                  # bf16 autocast, used on CUDA only
    progress: bool = True
    # Memory budget of one step, in message-passing edges (about 2.8 KB each, forward and backward):
    # a graph within it trains on the whole graph per step; a graph above it trains on a node-wide
    # sample (every node keeps as many of its incoming edges as the budget allows, at least
    # ``least_fanout``), or, when even that does not fit, on 2-hop samples around each batch's
    # endpoints (``fanouts`` incoming edges per node and hop); either is embedded layer-wise, exactly.
    max_step_edges: int = 1_000_000
    fanouts: tuple[int, ...] = (10, 5)
    least_fanout: int = 2
    # Positive target pairs per epoch (0: every target pair, every epoch). A partition with more target
    # pairs than its share of this trains, each epoch, on a fresh uniform sample of them (without
    # replacement), so an epoch, and the validation and early stopping that follow it, come after a
    # bounded amount of work however dense the graph; a smaller one sweeps all its pairs as before.
    epoch_positives: int = 0
    # A dense partition, whose mean degree is over this, encodes each step on a fresh node-wide sample of up
    # to this many incoming edges per node, even when its whole graph fits the step budget (0: never).
    # Validation, testing and the write-back still embed the whole graph, exactly.
    dense_fanout: int = 0


@dataclass
class PairSet:
    """Pairs to score on a graph: ``pos`` and ``neg`` ``[2, B]`` (validation or test)."""

    graph: Data
    pos: Tensor
    neg: Tensor


class Criterion(Protocol):
    """A caller's validation criterion, higher is better, scored after every epoch in place of a
    :class:`PairSet`'s ``val_metric``: e.g. the ranking a run writes, on days it never learned from.
    ``graph`` is the graph it embeds (``adj``, when given, is that graph's adjacency, shared with training).
    ``improves(score, best)`` judges whether the epoch just scored beats the best (``best`` ``None``: the
    first epoch), e.g. only by a significant gain; a gain makes it the best, whose weights are kept."""

    name: str
    graph: Data

    def __call__(self, model: GATLinkPredictor, adj: Adjacency | None) -> float: ...

    def improves(self, score: float, best: float | None) -> bool: ...


@dataclass
class EpochStats:
    epoch: int
    loss: float
    val: float | None
    seconds: float
    edges_per_s: float  # positive target edges trained on per second


@dataclass
class TrainResult:
    history: list[EpochStats] = field(default_factory=list)
    best_epoch: int = -1
    best_val: float | None = None
    stopped_early: bool = False
    resumed_from: int | None = None

    @property
    def epochs_run(self) -> int:
        return len(self.history)


# ---------------------------------------------------------------- utilities

def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@contextlib.contextmanager
def deterministic():
    """Deterministic torch algorithms inside the block (warn where none exists).

    Torch's deterministic mode also fills every new uninitialised tensor
    (``torch.empty``) with NaN, a debugging aid: without it a Photo epoch of the
    recipe ran 1.15-1.3x faster on two CPU threads, with the same loss to the
    last bit. The code here reads no memory it has not written, so the fill is
    switched off.
    """
    was, was_warn = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    was_fill = torch.utils.deterministic.fill_uninitialized_memory
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.utils.deterministic.fill_uninitialized_memory = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was, warn_only=was_warn)
        torch.utils.deterministic.fill_uninitialized_memory = was_fill


def autocast(device: str, enabled: bool):
    """bf16 autocast on CUDA when enabled; a no-op elsewhere."""
    if enabled and device.startswith("cuda"):
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def graph_tensors(data: Data, device: str | torch.device = "cpu"):
    """``(x, edge_index, edge_type, edge_weight)`` of a graph on ``device`` (types/weights may be None)."""
    et = getattr(data, "edge_type", None)
    ew = getattr(data, "edge_weight", None)
    return (data.x.to(device).float(), data.edge_index.to(device).long(),
            None if et is None else et.to(device).long(),
            None if ew is None else ew.to(device).float())


def fits_one_step(num_edges: int, num_nodes: int, budget: int) -> bool:
    """Whether a graph's message passing (edges plus self-loops) fits one step's edge budget."""
    return num_edges + num_nodes <= budget


class _Partition:
    """A partition moved to the device, with its full adjacency and target pairs.

    ``sampled``: the graph exceeds the step budget, so steps run on sampled subgraphs: node-wide
    ones of up to ``cap`` incoming edges per node when they fit (``cap`` set), else ``seeded`` ones.
    ``memoize``: the adjacency remembers the target pairs' common neighbours and
    3-path counts (:meth:`Adjacency.memoize`), asked for again in every epoch.
    """

    def __init__(self, data: Data, device: str, budget: int = 1_000_000, least_fanout: int = 2,
                 memoize: bool = False, dense_fanout: int = 0):
        self.x, self.edge_index, self.edge_type, self.edge_weight = graph_tensors(data, device)
        self.num_nodes = self.x.size(0)
        self.adj = Adjacency(self.edge_index, self.num_nodes)
        self.sampled = not fits_one_step(self.edge_index.size(1), self.num_nodes, budget)
        dense = 0 < dense_fanout < self.edge_index.size(1) / max(self.num_nodes, 1)
        self.in_edges = InEdges(self.edge_index, self.num_nodes) if self.sampled or dense else None
        self.cap = node_wide_fanout(self.in_edges.deg, budget, least_fanout) if self.sampled else None
        if dense and (self.cap is not None or not self.sampled):  # a dense graph: cheaper steps
            self.cap = min(self.cap or dense_fanout, dense_fanout)
            self.sampled = True
        self.seeded = self.sampled and self.cap is None
        self.history: Tensor | None = None  # seeded: the epoch's exact embeddings (see _sampled_encode)
        target = getattr(data, "target_index", None)
        if target is None:  # every observed relation once (once per type for multi-typed pairs)
            target, target_type = typed_undirected_pairs(self.edge_index, self.edge_type)
        else:
            target_type = getattr(data, "target_type", None)
        self.target = target.to(device).long()
        self.target_type = None if target_type is None else target_type.to(device).long()
        if memoize:
            self.adj.memoize(self.target[0], self.target[1])
        self._target_edges: tuple[Tensor, Tensor] | None = None

    def target_edge_ids(self, batch: Tensor) -> Tensor:
        """Ids in ``edge_index`` of either direction of the target pairs ``batch`` (every type's edge).

        Looked up once for all targets (one sort of the edges), so a step masks its batch's edges by
        id instead of testing every edge against the batch (``torch.isin`` sorts both, every step).
        """
        if self._target_edges is None:
            n = self.num_nodes
            sorted_key, order = torch.sort(self.edge_index[0] * n + self.edge_index[1])
            a, b = self.target[0], self.target[1]
            segs, ats, counts = [], [], []
            for key in (a * n + b, torch.where(a == b, -1, b * n + a)):  # a self-loop has one direction
                lo = torch.searchsorted(sorted_key, key)
                count = torch.searchsorted(sorted_key, key, right=True) - lo
                seg, at = _ranges(lo, count)
                segs.append(seg), ats.append(at), counts.append(count)
            by_target = torch.argsort(torch.cat(segs), stable=True)
            ptr = torch.zeros(a.numel() + 1, dtype=torch.long, device=a.device)
            ptr[1:] = torch.cumsum(counts[0] + counts[1], 0)
            self._target_edges = ptr, order[torch.cat(ats)[by_target]]
        ptr, ids = self._target_edges
        _, at = _ranges(ptr[batch], ptr[batch + 1] - ptr[batch])
        return ids[at]


def epoch_shares(targets: Sequence[int], epoch_positives: int) -> list[int]:
    """Positive pairs each partition trains on per epoch: all of its ``targets`` when ``epoch_positives``
    is 0 or covers every partition's pairs, else ``epoch_positives`` shared in proportion to the targets
    (at least one pair of a partition that has any, never more than it has)."""
    total = sum(targets)
    if epoch_positives <= 0 or total <= epoch_positives:
        return list(targets)
    return [min(t, max(1 if t else 0, round(epoch_positives * t / total))) for t in targets]


def sample_negatives(adj: Adjacency, pos: Tensor, num: int, hard_ratio: float = 0.0) -> Tensor:
    """``[2, <=num]`` non-edges of ``adj``: uniform pairs, and a ``hard_ratio`` share two hops from ``pos``.

    A hard negative starts at an endpoint ``u`` of a random positive, walks to
    a random neighbour ``w`` and on to a random neighbour ``v`` of ``w``.
    Pairs that are self-loops or edges of ``adj`` are redrawn uniformly once,
    then dropped.
    """
    device = pos.device
    n = adj.num_nodes
    n_hard = int(round(num * hard_ratio))
    src = torch.randint(0, n, (num,), device=device)
    dst = torch.randint(0, n, (num,), device=device)
    if n_hard > 0 and pos.numel() > 0 and adj.num_edges > 0:
        last = adj.num_edges - 1
        pick = torch.randint(0, pos.size(1), (n_hard,), device=device)
        side = torch.randint(0, 2, (n_hard,), device=device)
        u = pos[side, pick]
        du = adj.deg[u]
        w = adj.col[(adj.rowptr[u] + (torch.rand(n_hard, device=device) * du).long()).clamp_(max=last)]
        dw = adj.deg[w]
        v = adj.col[(adj.rowptr[w] + (torch.rand(n_hard, device=device) * dw).long()).clamp_(max=last)]
        ok = (du > 0) & (dw > 0)
        src[:n_hard] = torch.where(ok, u, src[:n_hard])
        dst[:n_hard] = torch.where(ok, v, dst[:n_hard])
    bad = (src == dst) | adj.has_edge(src, dst)
    k = int(bad.sum())
    if k:
        src[bad] = torch.randint(0, n, (k,), device=device)
        dst[bad] = torch.randint(0, n, (k,), device=device)
        bad = (src == dst) | adj.has_edge(src, dst)
    return torch.stack([src[~bad], dst[~bad]])


@torch.no_grad()
def embed(model: GATLinkPredictor, graph: Data, device: str | None = None, amp: bool = True,
          budget: int = 1_000_000) -> Tensor:
    """Node embeddings ``[N, C]`` of a graph (eval mode, float32, on the model's device).

    A graph above ``budget`` message-passing edges is encoded layer-wise
    (:func:`relmine.gnn.sampling.encode_layerwise`): the same values, in bounded memory.
    """
    device = device or next(model.parameters()).device.type
    model.eval()
    x, ei, et, ew = graph_tensors(graph, device)
    with autocast(str(device), amp):
        if fits_one_step(ei.size(1), x.size(0), budget):
            return model.encode(x, ei, et, ew).float()
        return encode_layerwise(model, x, ei, et, ew, budget=budget).float()


@torch.no_grad()
def score_pairs(model: GATLinkPredictor, graph: Data, pairs: Tensor, *, batch_size: int = 65536,
                h: Tensor | None = None, adj: Adjacency | None = None, amp: bool = True,
                with_types: bool = False):
    """Existence logits ``[B]`` (and type logits ``[B, R]`` if asked) of ``pairs`` on ``graph``.

    Pass ``h`` and ``adj`` to reuse them across calls on the same graph.
    """
    device = next(model.parameters()).device
    model.eval()
    if h is None:
        h = embed(model, graph, str(device.type), amp)
    if adj is None and model.needs_adjacency:
        adj = Adjacency(graph.edge_index.to(device), graph.num_nodes)
    logits, types = [], []
    pairs = pairs.to(device).long()
    for start in range(0, pairs.size(1), batch_size):
        with autocast(device.type, amp):
            logit, tl = model.decode(h, pairs[:, start:start + batch_size], adj)
        logits.append(logit.float().cpu())
        if with_types and tl is not None:
            types.append(tl.float().cpu())
    out = torch.cat(logits) if logits else torch.empty(0)
    if with_types:
        return out, (torch.cat(types) if types else None)
    return out


def evaluate_pairs(model: GATLinkPredictor, pairs: PairSet, name: str, batch_size: int = 65536,
                   amp: bool = True, adj: Adjacency | None = None) -> float:
    """Metric ``name`` (``auc``, ``hits@K``) of the model on a :class:`PairSet`."""
    device = next(model.parameters()).device
    h = embed(model, pairs.graph, device.type, amp)
    if adj is None and model.needs_adjacency:
        adj = Adjacency(pairs.graph.edge_index.to(device), pairs.graph.num_nodes)
    pos = score_pairs(model, pairs.graph, pairs.pos, batch_size=batch_size, h=h, adj=adj, amp=amp)
    neg = score_pairs(model, pairs.graph, pairs.neg, batch_size=batch_size, h=h, adj=adj, amp=amp)
    return metric(name, pos, neg)


# ---------------------------------------------------------------- checkpoints

def _rng_state() -> dict:
    """RNG states as tensors and plain values only (so checkpoints load with ``weights_only=True``)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {"torch": torch.get_rng_state(),
             "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
             "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str | os.PathLike, **state) -> None:
    """Atomically write a checkpoint (write to a temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_tensors(source: str | os.PathLike | bytes, map_location="cpu") -> dict:
    """The one loader of what relmine saves with ``torch.save`` (checkpoints; a run's model, graph and outputs,
    as a file or as the bytes read from the graph): tensors and plain values only (``weights_only=True``), so a
    crafted pickle is refused (:class:`relmine.errors.UnsafeFile`), never run."""
    what = "stored bytes" if isinstance(source, bytes) else str(source)
    try:
        return torch.load(io.BytesIO(source) if isinstance(source, bytes) else Path(source),
                          map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeFile(f"{what} are not a relmine model or checkpoint (only tensors and plain values are "
                         f"loaded; refused): {str(exc).splitlines()[0]}") from exc


def _result_to_dict(result: TrainResult) -> dict:
    return {**asdict(result), "history": [asdict(h) for h in result.history]}


def _result_from_dict(raw: dict) -> TrainResult:
    return TrainResult(**{**raw, "history": [EpochStats(**h) for h in raw["history"]]})


def _check_compatible(saved: dict, config: TrainConfig, path) -> None:
    now = asdict(config)
    # a field added after the checkpoint was written counts as its default
    then = {**asdict(TrainConfig()), **saved}
    diff = {k: (then[k], now[k]) for k in now if k not in _RESUMABLE_CHANGES and then[k] != now[k]}
    if diff:
        raise ValueError(f"checkpoint {path} was written with other settings {diff}; "
                         "remove it or use the same TrainConfig")


# ---------------------------------------------------------------- training

def _sampled_encode(model: GATLinkPredictor, part: _Partition, pairs: Tensor, batch: Tensor,
                    config: TrainConfig) -> tuple[Tensor, int]:
    """Embeddings ``[N, C]`` and the sampled subgraph's size (edges plus nodes).

    Seeds are the pairs' endpoints; the batch's target edges are masked.
    The endpoints get fresh embeddings from their sampled 2-hop subgraph
    (gradients flow through them); every other node, in particular the
    common neighbours the decoder reads, keeps its *historical* embedding:
    the exact one computed at the start of the epoch on the whole training
    graph (``part.history``, no gradient), as GNNAutoScale does; unlike the
    fresh ones it is not masked, a second-order trace of the target edges.
    Seeding the common neighbours as well made a dense co-purchase graph's
    sample the whole graph at every step.
    """
    seeds = torch.unique(pairs.reshape(-1))
    eids = sampled_edges(part.in_edges, seeds, tuple(config.fanouts))
    keep = _target_free(part, batch, config)
    ei, et, ew = _take(eids if keep is None else eids[keep[eids]], part.edge_index, part.edge_type,
                       part.edge_weight)
    nodes = torch.unique(torch.cat([seeds, ei[0]]))
    size = int(ei.size(1) + nodes.numel())
    if size > config.max_step_edges and batch.numel() > MIN_SPLIT_BATCH:
        return None, size
    local = torch.full((part.num_nodes,), -1, dtype=torch.long, device=nodes.device)
    local[nodes] = torch.arange(nodes.numel(), device=nodes.device)
    h_sub = model.encode(part.x[nodes], local[ei], et, ew)
    h = part.history.to(h_sub.dtype).index_copy(0, seeds, h_sub[local[seeds]])
    return h, size


MIN_SPLIT_BATCH = 256  # a sampled batch over the budget is halved down to this many positives


def _accumulate(model: GATLinkPredictor, part: _Partition, batch: Tensor, config: TrainConfig, device: str,
                total: int) -> tuple[float, int]:
    """Backward pass of a batch, halved (gradients accumulated) while its sampled subgraph is over budget.

    Returns ``(loss * positives, positives)``; on a whole-graph partition the batch is never split.
    """
    out = _step(model, part, batch, config, device)
    if out is None:
        half = batch.numel() // 2
        a = _accumulate(model, part, batch[:half], config, device, total)
        b = _accumulate(model, part, batch[half:], config, device, total)
        return a[0] + b[0], a[1] + b[1]
    loss, n_pos = out
    (loss * (n_pos / total) if n_pos != total else loss).backward()
    return float(loss.detach()) * n_pos, n_pos


def _take(index: Tensor, edge_index: Tensor, edge_type: Tensor | None, edge_weight: Tensor | None):
    """The edges ``index`` (ids or a mask) selects, with their types and weights."""
    return (edge_index[:, index], None if edge_type is None else edge_type[index],
            None if edge_weight is None else edge_weight[index])


def _step_edges(part: _Partition, batch: Tensor, config: TrainConfig):
    """``(edge_index, edge_type, edge_weight)`` a step encodes every node on, without the targets
    ``batch`` (indexes into ``part.target``).

    The whole graph's edges, or, on a partition over the budget, a fresh
    node-wide sample of up to ``part.cap`` incoming edges per node.
    """
    edges = part.edge_index, part.edge_type, part.edge_weight
    keep = _target_free(part, batch, config)
    if part.cap is None:
        return edges if keep is None else _take(keep, *edges)
    ids = part.in_edges.sample(torch.arange(part.num_nodes, device=part.edge_index.device), part.cap)
    return _take(ids if keep is None else ids[keep[ids]], *edges)


def _target_free(part: _Partition, batch: Tensor, config: TrainConfig) -> Tensor | None:
    """Boolean ``[E]``: False on either direction of the target pairs ``batch`` (None when
    ``config.mask_target_edges`` is off), so no embedding carries the edge it must predict."""
    if not config.mask_target_edges:
        return None
    keep = torch.ones(part.edge_index.size(1), dtype=torch.bool, device=part.edge_index.device)
    keep[part.target_edge_ids(batch)] = False
    return keep


def _step(model: GATLinkPredictor, part: _Partition, batch: Tensor, config: TrainConfig,
          device: str) -> tuple[Tensor, int] | None:
    pos = part.target[:, batch]
    neg = sample_negatives(part.adj, pos, pos.size(1) * config.negatives_per_positive,
                           config.hard_negative_ratio)
    pairs = torch.cat([pos, neg], dim=1)
    with autocast(device, config.amp):
        if part.seeded:
            h, _ = _sampled_encode(model, part, pairs, batch, config)
            if h is None:  # over the step budget: the caller splits the batch
                return None
        else:
            h = model.encode(part.x, *_step_edges(part, batch, config))
        # structural features ignore each pair's own edge: the full graph serves
        logit, type_logit = model.decode(h, pairs, part.adj)
    return _loss(model, part, batch, config, device, pos, neg, pairs, h, logit, type_logit), pos.size(1)


def _loss(model, part, batch, config, device, pos, neg, pairs, h, logit, type_logit) -> Tensor:
    y = torch.cat([torch.ones(pos.size(1), device=device), torch.zeros(neg.size(1), device=device)])
    loss = F.binary_cross_entropy_with_logits(logit.float(), y)
    if type_logit is not None and part.target_type is not None and config.type_weight > 0:
        loss = loss + config.type_weight * F.cross_entropy(type_logit[:pos.size(1)].float(),
                                                           part.target_type[batch])
    if config.recon_weight > 0:
        hf = h.float()
        dot = (hf[pairs[0]] * hf[pairs[1]]).sum(-1)
        recon = F.binary_cross_entropy_with_logits(dot, y)
        if model.feature_decoder is not None:
            recon = recon + F.mse_loss(model.reconstruct_features(hf), part.x)
        loss = loss + config.recon_weight * recon
    if config.contrast_weight > 0 and config.contrast_types and part.target_type is not None:
        loss = loss + config.contrast_weight * contrast_loss(h, pos, part.target_type[batch], config)
    return loss


CONTRAST_MAX_PAIRS = 4096  # pairs of one step's contrastive term (its logits are pairs x pairs)


def contrast_loss(h: Tensor, pos: Tensor, types: Tensor, config: TrainConfig) -> Tensor:
    """InfoNCE on the positives ``pos`` whose type is in ``config.contrast_types``: in the centred,
    L2-normalised embedding space (what the write-back stores and ``relmine neighbours`` ranks by),
    each pair's partner against the other pairs' partners, both directions. Zero with fewer than two."""
    from relmine.gnn.embedspace import center_normalise  # the write-back's own transform

    wanted = torch.as_tensor(config.contrast_types, device=types.device, dtype=types.dtype)
    pairs = pos[:, torch.isin(types, wanted)][:, :CONTRAST_MAX_PAIRS]
    if pairs.size(1) < 2:
        return h.float().sum() * 0.0
    z = center_normalise(h)
    logits = z[pairs[0]] @ z[pairs[1]].T / config.contrast_temperature
    target = torch.arange(pairs.size(1), device=logits.device)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def train(model: GATLinkPredictor, partitions: Sequence[Data], config: TrainConfig | None = None, *,
          val: PairSet | Criterion | None = None, checkpoint: str | os.PathLike | None = None,
          on_epoch: Callable[[EpochStats], None] | None = None,
          on_step: Callable[[int, int], None] | None = None) -> TrainResult:
    """Train ``model`` in place on ``partitions``; returns the history.

    Args:
        model: the model (moved to the chosen device).
        partitions: one ``Data`` per subgraph; all share the model.
        config: hyper-parameters (defaults: :class:`TrainConfig`).
        val: validation pairs (scored by ``config.val_metric``) or a :class:`Criterion`, for early
            stopping and model selection; without it the last epoch's weights are kept.
        checkpoint: file to save after each epoch and to resume from if it exists.
        on_epoch: called after each epoch (after the checkpoint is written),
            e.g. to report progress from a worker.
        on_step: called after each optimiser step with (positives seen this epoch, per epoch).
    """
    config = config or TrainConfig()
    if not partitions:
        raise ValueError("no partitions to train on")
    device = pick_device(None if config.device == "auto" else config.device)
    model.to(device)
    with deterministic():
        seed_everything(config.seed)
        parts = _steppable(model, partitions, config, device)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        start_epoch, bad_epochs, best_state, result = _resume(checkpoint, model, optimizer, config)
        val_adj = _val_adjacency(model, val, parts, partitions, device)
        per_epoch = epoch_shares([p.target.size(1) for p in parts], config.epoch_positives)
        total_targets = sum(per_epoch)
        for epoch in range(start_epoch, config.epochs):
            if result.stopped_early:
                break
            t0 = time.perf_counter()
            loss_sum, seen = _epoch_steps(model, parts, partitions, optimizer, per_epoch, config, device, on_step)
            train_s = time.perf_counter() - t0
            score = None
            if val is not None:
                score, bad_epochs, best_state = _early_stopping(model, optimizer, val, val_adj, config, result,
                                                                epoch, bad_epochs, best_state)
            stats = EpochStats(epoch, loss_sum / max(seen, 1), score, time.perf_counter() - t0,
                               total_targets / max(train_s, 1e-9))
            result.history.append(stats)
            if config.progress:
                name = config.val_metric if isinstance(val, PairSet) else val.name
                val_txt = "" if score is None else f" val {name} {score:.4f}"
                log.info("epoch %d loss %.4f%s (%.1fs, %.0f edges/s)", epoch, stats.loss, val_txt,
                         stats.seconds, stats.edges_per_s)
            if checkpoint is not None:
                save_checkpoint(checkpoint, model=model.state_dict(), optimizer=optimizer.state_dict(),
                                epoch=epoch, rng=_rng_state(), bad_epochs=bad_epochs,
                                best_state=best_state, result=_result_to_dict(result), config=asdict(config))
            if on_epoch is not None:
                on_epoch(stats)
        if best_state is not None:
            model.load_state_dict(best_state)
        if result.best_epoch < 0 and result.history:
            result.best_epoch = result.history[-1].epoch
    return result


def _steppable(model: GATLinkPredictor, partitions: Sequence[Data], config: TrainConfig,
               device: torch.device) -> list[_Partition]:
    """Each partition as :func:`train` steps on it (whole, or sampled where it is over the step budget or
    too dense), checked against the relation types the model knows."""
    parts = [_Partition(p, device, config.max_step_edges, config.least_fanout, model.needs_adjacency,
                        config.dense_fanout) for p in partitions]
    for i, part in enumerate(parts):
        if part.sampled:
            how = (f"a node-wide sample of up to {part.cap} incoming edges per node" if part.cap else
                   f"{len(config.fanouts)}-hop samples ({config.fanouts}) around each batch's endpoints")
            log.info("partition %d is over the step budget of %d edges or denser than %d edges per node: "
                     "steps on %s", i, config.max_step_edges, config.dense_fanout, how)
        if part.edge_type is not None and part.edge_type.numel() and int(part.edge_type.max()) >= model.num_relations:
            raise ValueError(f"partition {i} has relation type id {int(part.edge_type.max())}, "
                             f"but the model knows {model.num_relations} relation types")
    if model.num_relations > 1 and not any(p.target_type is not None for p in parts):
        log.warning("model has a relation-type head but no partition carries relation types")
    return parts


def _resume(checkpoint: str | os.PathLike | None, model: GATLinkPredictor, optimizer: torch.optim.Optimizer,
            config: TrainConfig) -> tuple[int, int, dict | None, TrainResult]:
    """``(first epoch, epochs without a validation gain, best weights, result so far)``: read from
    ``checkpoint`` where it exists (model, optimiser and RNG states restored from it), else a fresh start."""
    if checkpoint is None or not Path(checkpoint).exists():
        return 0, 0, None, TrainResult()
    # on the CPU: RNG states must stay CPU tensors; load_state_dict copies to the device
    state = load_tensors(checkpoint)
    _check_compatible(state["config"], config, checkpoint)
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:  # another model: size, depth or attention layer (GAT vs GATv2)
        raise ValueError(f"checkpoint {checkpoint} holds another model than this run's {model!r} "
                         f"(a different --hidden, --heads or --conv?); resume with the settings it was "
                         f"written with, or delete it to start over: {str(exc).splitlines()[0]}") from exc
    optimizer.load_state_dict(state["optimizer"])
    start_epoch = state["epoch"] + 1
    result = _result_from_dict(state["result"])
    result.resumed_from = state["epoch"]
    _set_rng_state(state["rng"])
    log.info("resuming from %s at epoch %d", checkpoint, start_epoch)
    return start_epoch, state["bad_epochs"], state["best_state"], result


def _val_adjacency(model: GATLinkPredictor, val, parts: list[_Partition], partitions: Sequence[Data],
                   device: torch.device) -> Adjacency | None:
    """The adjacency validation scores on (``None`` where the model needs none): a partition's own where
    ``val`` validates on that very graph (a run's split shares its adjacency and 3-path index)."""
    if val is None or not model.needs_adjacency:
        return None
    same = [part.adj for part, data in zip(parts, partitions) if data is val.graph]
    return same[0] if same else Adjacency(val.graph.edge_index.to(device), val.graph.num_nodes)


def _epoch_steps(model: GATLinkPredictor, parts: list[_Partition], partitions: Sequence[Data],
                 optimizer: torch.optim.Optimizer, per_epoch: list[int], config: TrainConfig,
                 device: torch.device, on_step: Callable[[int, int], None] | None) -> tuple[float, int]:
    """One epoch's optimiser steps, the partitions in a random order: ``(weighted loss sum, positives seen)``."""
    total_targets = sum(per_epoch)
    for part, data in zip(parts, partitions):
        if part.seeded:  # historical embeddings of this epoch (the model is the same on a resume)
            part.history = embed(model, data, device, config.amp, config.max_step_edges)
    model.train()
    loss_sum, seen = 0.0, 0
    for pi in torch.randperm(len(parts)).tolist():
        part = parts[pi]
        perm = torch.randperm(part.target.size(1), device=device)[:per_epoch[pi]]
        for batch in perm.split(config.batch_size):
            optimizer.zero_grad(set_to_none=True)
            weighted, n_pos = _accumulate(model, part, batch, config, device, batch.numel())
            if config.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            loss_sum += weighted
            seen += n_pos
            if on_step is not None:
                on_step(seen, total_targets)
    return loss_sum, seen


def _early_stopping(model: GATLinkPredictor, optimizer: torch.optim.Optimizer, val, val_adj: Adjacency | None,
                    config: TrainConfig, result: TrainResult, epoch: int, bad_epochs: int,
                    best_state: dict | None) -> tuple[float, int, dict | None]:
    """Score the epoch on ``val`` and keep the best weights (``result`` updated): ``(score, epochs without a
    gain, best weights)``. Stops the run after ``config.patience`` epochs without a gain, and decays the
    learning rate every ``config.lr_patience`` of them."""
    score = (evaluate_pairs(model, val, config.val_metric, config.eval_batch_size, config.amp, adj=val_adj)
             if isinstance(val, PairSet) else float(val(model, val_adj)))
    gained = (result.best_val is None or score > result.best_val) if isinstance(val, PairSet) \
        else val.improves(score, result.best_val)
    if gained:
        result.best_val, result.best_epoch = score, epoch
        return score, 0, {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    bad_epochs += 1
    if bad_epochs >= config.patience:
        result.stopped_early = True
    elif config.lr_patience and bad_epochs % config.lr_patience == 0 and config.lr_decay != 1.0:
        # the learning rate lives in the optimiser's state: checkpoints carry it
        for group in optimizer.param_groups:
            group["lr"] *= config.lr_decay
        log.info("no validation gain for %d epochs: learning rate now %.2e", bad_epochs,
                 optimizer.param_groups[0]["lr"])
    return score, bad_epochs, best_state
