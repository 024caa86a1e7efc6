"""Held-out evaluation of link prediction: the model and the heuristics in the same run.

Protocol (see :func:`relmine.gnn.edges.split_edges` for the split):

* Undirected edges are split at random 85/5/10 (train/validation/test);
  message passing and every heuristic see only the training edges.
* **AUC and Hits@K** (K = 20, 50, 100): every test positive is ranked against
  one *shared* set of uniform non-edges of the whole graph, as many as
  there are test positives (ogbl-collab/ppa style with PyG's
  ``RandomLinkSplit`` count); Hits@K is the share of positives scored
  strictly above the K-th best negative.
* **MRR**: every test positive ``(u, v)`` is ranked against its own ``M``
  (default 100) corrupted tails ``(u, v')`` that are non-edges of the whole
  graph, ties counting half (ogbl-citation2 style).
* Each method is a *scorer* ``pairs [2, B] -> scores [B]``: the model, CN,
  AA, RA, and any extra one (``extra=``, e.g. GDS FastRP + cosine via
  :func:`relmine.gnn.heuristics.cosine_scorer`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from relmine.gnn.edges import Adjacency, LinkSplit, split_edges
from relmine.gnn.heuristics import HEURISTICS, adjacency_matrix, heuristic_scores
from relmine.gnn.metrics import link_metrics
from relmine.gnn.model import GATLinkPredictor
from relmine.gnn.train import EpochStats, PairSet, TrainConfig, embed, score_pairs, train

Scorer = Callable[[Tensor], "np.ndarray | Tensor"]
MODEL = "GAT (relmine)"


@dataclass
class Evaluation:
    """Metrics per method (``{"RA": {"auc": .., "hits@50": .., "mrr": ..}}``) and raw scores."""

    metrics: dict[str, dict[str, float]]
    scores: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # (pos, shared neg)


def per_edge_pairs(split: LinkSplit) -> Tensor:
    """The MRR candidate pairs ``[2, P * M]``: each test head with each of its M tails."""
    heads = split.test_pos[0].unsqueeze(1).expand_as(split.test_neg_per_edge)
    return torch.stack([heads.reshape(-1), split.test_neg_per_edge.reshape(-1)])


def model_scorer(model: GATLinkPredictor, split: LinkSplit, batch_size: int = 65536,
                 amp: bool = True) -> Scorer:
    """Scores pairs with ``model`` on the training graph of ``split`` (embeddings computed once)."""
    device = next(model.parameters()).device
    h = embed(model, split.graph, device.type, amp)
    adj = Adjacency(split.graph.edge_index.to(device), split.graph.num_nodes) if model.needs_adjacency else None

    def score(pairs: Tensor) -> Tensor:
        return score_pairs(model, split.graph, pairs, batch_size=batch_size, h=h, adj=adj, amp=amp)

    return score


def _np(a) -> np.ndarray:
    return a.detach().float().cpu().numpy() if isinstance(a, Tensor) else np.asarray(a, dtype=np.float64)


def evaluate_split(split: LinkSplit, model: GATLinkPredictor | None = None, *,
                   extra: Mapping[str, Scorer] | None = None, heuristics: bool = True,
                   ks: Sequence[int] = (20, 50, 100)) -> Evaluation:
    """AUC, Hits@K and MRR of the model, CN/AA/RA and ``extra`` scorers on the test split."""
    mrr_pairs = per_edge_pairs(split)
    shape = tuple(split.test_neg_per_edge.shape)
    scorers: dict[str, Scorer] = {}
    if model is not None:
        scorers[MODEL] = model_scorer(model, split)
    scorers.update(extra or {})
    out = Evaluation(metrics={})

    def add(name, pos, neg, per_edge):
        pos, neg, per_edge = _np(pos), _np(neg), _np(per_edge).reshape(shape)
        out.metrics[name] = link_metrics(pos, neg, per_edge, ks=tuple(ks))
        out.scores[name] = (pos, neg)

    for name, scorer in scorers.items():
        add(name, scorer(split.test_pos), scorer(split.test_neg), scorer(mrr_pairs))
    if heuristics:
        adj = adjacency_matrix(split.graph.edge_index, split.graph.num_nodes)
        pos, neg, per = (heuristic_scores(adj, p) for p in (split.test_pos, split.test_neg, mrr_pairs))
        for name in HEURISTICS:
            add(name, pos[name], neg[name], per[name])
    return out


# ---------------------------------------------------------------- across seeds

def summarize(runs: Sequence[Mapping[str, Mapping[str, float]]]) -> dict[str, dict[str, tuple[float, float]]]:
    """Mean and (population) standard deviation of every method's metrics over runs."""
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for method in runs[0]:
        out[method] = {}
        for name in runs[0][method]:
            vals = np.array([r[method][name] for r in runs], dtype=np.float64)
            out[method][name] = (float(vals.mean()), float(vals.std()))
    return out


def format_table(summary: Mapping[str, Mapping[str, tuple[float, float]]]) -> str:
    """A plain-text table ``method | auc | hits@20 | ... | mrr`` with mean ± std."""
    methods = list(summary)
    cols = list(next(iter(summary.values())))
    width = max(len(m) for m in methods) + 2
    lines = ["method".ljust(width) + "".join(c.rjust(17) for c in cols)]
    for m in methods:
        cells = "".join(f"{summary[m][c][0]:.4f} ± {summary[m][c][1]:.4f}".rjust(17) for c in cols)
        lines.append(m.ljust(width) + cells)
    return "\n".join(lines)


# ---------------------------------------------------------------- linear probe

def linear_probe(embeddings, labels, *, splits: int = 5, train_ratio: float = 0.1,
                 val_ratio: float = 0.1, seed: int = 0,
                 cs: Sequence[float] = (0.01, 0.1, 1.0, 10.0)) -> dict[str, float]:
    """Node classification accuracy of a logistic regression on frozen embeddings.

    The usual self-supervised protocol on Amazon Photo (GRACE, BGRL, …):
    random ``train_ratio``/``val_ratio``/rest splits, standardised
    embeddings, the L2 strength chosen on validation; mean and std of the
    test accuracy over ``splits`` splits.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = _np(embeddings).astype(np.float64)
    y = labels.cpu().numpy() if isinstance(labels, Tensor) else np.asarray(labels)
    rng = np.random.default_rng(seed)
    accs = []
    for _ in range(splits):
        perm = rng.permutation(len(y))
        n_tr, n_va = int(train_ratio * len(y)), int(val_ratio * len(y))
        tr, va, te = perm[:n_tr], perm[n_tr:n_tr + n_va], perm[n_tr + n_va:]
        scaler = StandardScaler().fit(x[tr])
        xs = scaler.transform(x)
        best = (-1.0, None)
        for c in cs:
            clf = LogisticRegression(C=c, max_iter=2000).fit(xs[tr], y[tr])
            acc = clf.score(xs[va], y[va])
            if acc > best[0]:
                best = (acc, clf)
        accs.append(best[1].score(xs[te], y[te]))
    return {"mean": float(np.mean(accs)), "std": float(np.std(accs)), "splits": splits}


# ---------------------------------------------------------------- plot

def plot_evaluation(path: str | os.PathLike, evaluation: Evaluation,
                    history: Sequence[EpochStats] | Sequence[Sequence[EpochStats]] = (),
                    methods: Sequence[str] = (MODEL, "RA"), val_metric: str = "val") -> str:
    """A PNG: training curve(s) (loss, validation metric) and pos/neg score distributions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [history] if history and isinstance(history[0], EpochStats) else list(history)
    methods = [m for m in methods if m in evaluation.scores]
    fig, axes = plt.subplots(1, 1 + len(methods), figsize=(5 * (1 + len(methods)), 4))
    axes = np.atleast_1d(axes)
    ax = axes[0]
    twin = ax.twinx()
    for i, run in enumerate(runs):
        if not run:
            continue
        ep = [s.epoch for s in run]
        ax.plot(ep, [s.loss for s in run], "o-", ms=2, color="C0", alpha=0.8,
                label="train loss" if i == 0 else None)
        vals = [(s.epoch, s.val) for s in run if s.val is not None]
        if vals:
            twin.plot(*zip(*vals), "o-", ms=2, color="C1", alpha=0.8,
                      label=f"validation {val_metric}" if i == 0 else None)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    twin.set_ylabel(val_metric)
    ax.set_title("training (every seed)")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    if handles:
        ax.legend(handles=handles, loc="center right")
    for ax, name in zip(axes[1:], methods):
        pos, neg = evaluation.scores[name]
        if name == MODEL:  # logits: sigmoid would squash the top, where Hits@K is decided
            label = "logit"
        else:
            pos, neg, label = np.log1p(pos), np.log1p(neg), "log1p(score)"
        hi = max(float(pos.max()), float(neg.max()), 1e-9)
        bins = np.linspace(min(float(pos.min()), float(neg.min())), hi, 50)
        ax.hist(neg, bins=bins, alpha=0.6, label="test negatives", color="C3")
        ax.hist(pos, bins=bins, alpha=0.6, label="test positives", color="C2")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        m = evaluation.metrics[name]
        ax.set_title(f"{name}: AUC {m['auc']:.3f}, Hits@50 {m.get('hits@50', math.nan):.3f}")
        if "hits@50" in m and neg.size >= 50:
            ax.axvline(np.sort(neg)[-50], color="k", ls="--", lw=1, label="50th best negative")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


# ---------------------------------------------------------------- the whole protocol

@dataclass
class SeedResult:
    seed: int
    metrics: dict[str, dict[str, float]]
    probe: dict[str, float] | None
    history: list[EpochStats]
    best_epoch: int
    train_seconds: float


ExtraScorers = Callable[[LinkSplit, int], Mapping[str, Scorer]]


def evaluate_seeds(data, seeds: Sequence[int], model_kwargs: Mapping, config: TrainConfig, *,
                   extra: ExtraScorers | None = None, probe: bool = True,
                   val_ratio: float = 0.05, test_ratio: float = 0.10, mrr_negatives: int = 100,
                   plot_path: str | os.PathLike | None = None,
                   checkpoint_dir: str | os.PathLike | None = None,
                   log: Callable[[str], None] = print) -> list[SeedResult]:
    """Split, train, evaluate (model, CN, AA, RA, extras) and probe, once per seed.

    Args:
        data: the whole graph (``x``, ``edge_index`` both directions, ``y`` for the probe).
        seeds: one split, model initialisation and training run per seed.
        model_kwargs: arguments of :class:`GATLinkPredictor` after ``in_channels``.
        config: a :class:`relmine.gnn.train.TrainConfig`; its ``seed`` is replaced.
        extra: ``(split, seed) -> {name: scorer}`` for methods computed elsewhere
            on the split's training graph (e.g. GDS FastRP + cosine).
        probe: run the linear probe on ``data.y`` with the trained embeddings.
        plot_path: where to write the PNG (curves of every seed, score
            distributions of the last).
        checkpoint_dir: keep a training checkpoint per seed there
            (``seed<k>.pt``): an interrupted evaluation resumes, and a seed
            whose training finished is only re-evaluated.
    """
    results: list[SeedResult] = []
    last_eval = None
    for seed in seeds:
        split = split_edges(data, val_ratio=val_ratio, test_ratio=test_ratio, seed=seed,
                            mrr_negatives=mrr_negatives)
        torch.manual_seed(seed)
        model = GATLinkPredictor(data.num_features, **model_kwargs)
        cfg = dataclasses.replace(config, seed=seed)
        graph = split.graph.clone()
        graph.target_index = split.train_pos
        t0 = time.perf_counter()
        ckpt = None if checkpoint_dir is None else os.path.join(checkpoint_dir, f"seed{seed}.pt")
        fit = train(model, [graph], cfg, val=PairSet(split.graph, split.val_pos, split.val_neg), checkpoint=ckpt)
        seconds = time.perf_counter() - t0
        ev = evaluate_split(split, model, extra=extra(split, seed) if extra else None)
        probe_result = None
        if probe and getattr(data, "y", None) is not None:
            probe_result = linear_probe(embed(model, split.graph), data.y, seed=seed)
        results.append(SeedResult(seed, ev.metrics, probe_result, fit.history, fit.best_epoch, seconds))
        last_eval = ev
        m, ra = ev.metrics[MODEL], ev.metrics.get("RA", {})
        log(f"seed {seed}: model AUC {m['auc']:.4f} Hits@50 {m['hits@50']:.4f} MRR {m['mrr']:.4f}"
            + (f" | RA AUC {ra['auc']:.4f} Hits@50 {ra['hits@50']:.4f}" if ra else "")
            + (f" | probe {probe_result['mean']:.4f}" if probe_result else "")
            + f" | best epoch {fit.best_epoch}, {seconds:.0f}s")
    if plot_path is not None and last_eval is not None:
        plot_evaluation(plot_path, last_eval, [r.history for r in results], val_metric=config.val_metric)
    return results

