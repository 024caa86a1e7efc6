"""Ranking metrics for link prediction (OGB conventions), on torch or numpy scores.

* ``hits_at_k(pos, neg, k)``: the share of positive scores strictly above the
  ``k``-th highest *shared* negative score (ogbl-collab/ppa/ddi). With fewer
  than ``k`` negatives every positive counts as a hit.
* ``mrr(pos, neg)``: every positive ``[P]`` is ranked against its own
  negatives ``[P, M]``; ties count half (the mean of the optimistic and the
  pessimistic rank), as OGB's citation2 evaluator does.
* ``auc(pos, neg)``: ROC AUC by the Mann–Whitney statistic, ties counting half.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def _t(a) -> Tensor:
    return a.detach().float().cpu() if isinstance(a, Tensor) else torch.as_tensor(np.asarray(a), dtype=torch.float32)


def hits_at_k(pos, neg, k: int) -> float:
    """Hits@K against shared negatives."""
    pos, neg = _t(pos).view(-1), _t(neg).view(-1)
    if pos.numel() == 0:
        raise ValueError("no positive scores")
    if neg.numel() < k:
        return 1.0
    kth = torch.topk(neg, k).values[-1]
    return float((pos > kth).float().mean())


def mrr(pos, neg) -> float:
    """Mean reciprocal rank of ``pos[i]`` among ``neg[i, :]``."""
    pos, neg = _t(pos).view(-1, 1), _t(neg)
    if neg.dim() != 2 or neg.size(0) != pos.size(0):
        raise ValueError(f"neg must be [P, M] with P={pos.size(0)}, got {tuple(neg.shape)}")
    optimistic = (neg > pos).sum(dim=1).float()
    pessimistic = (neg >= pos).sum(dim=1).float()
    rank = 0.5 * (optimistic + pessimistic) + 1.0
    return float((1.0 / rank).mean())


def auc(pos, neg) -> float:
    """ROC AUC of positives against negatives (ties count half)."""
    pos, neg = _t(pos).view(-1).double(), _t(neg).view(-1).double()
    if pos.numel() == 0 or neg.numel() == 0:
        raise ValueError("AUC needs positive and negative scores")
    scores = torch.cat([pos, neg]).numpy()
    from scipy.stats import rankdata

    ranks = rankdata(scores)  # average ranks for ties
    n_pos, n_neg = pos.numel(), neg.numel()
    u = ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def link_metrics(pos, neg, neg_per_edge=None, ks: tuple[int, ...] = (20, 50, 100)) -> dict[str, float]:
    """AUC and Hits@K against shared negatives, MRR against per-edge negatives when given."""
    out = {"auc": auc(pos, neg)}
    for k in ks:
        out[f"hits@{k}"] = hits_at_k(pos, neg, k)
    if neg_per_edge is not None:
        out["mrr"] = mrr(pos, neg_per_edge)
    return out


def metric(name: str, pos, neg) -> float:
    """One metric by name: ``auc`` or ``hits@K`` (used for model selection)."""
    if name == "auc":
        return auc(pos, neg)
    if name.startswith("hits@"):
        return hits_at_k(pos, neg, int(name[5:]))
    raise ValueError(f"unknown metric {name!r} (auc or hits@K)")


# -- typed pairs: which kind of relation (complement, substitute, ...) -----------------------------
def confusion(truth, pred, num_classes: int) -> np.ndarray:
    """``[C, C]`` counts, row = true class, column = predicted class."""
    t, p = np.asarray(truth, dtype=np.int64).ravel(), np.asarray(pred, dtype=np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"truth and pred differ in length: {t.size} vs {p.size}")
    if t.size and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= num_classes):
        raise ValueError(f"class ids must lie in 0..{num_classes - 1}")
    out = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(out, (t, p), 1)
    return out


def type_accuracy(truth, pred) -> float:
    """Share of pairs whose predicted type is the true one."""
    t, p = np.asarray(truth).ravel(), np.asarray(pred).ravel()
    if t.size == 0:
        raise ValueError("no typed pairs")
    return float((t == p).mean())


def per_class_f1(truth, pred, num_classes: int) -> np.ndarray:
    """F1 of every class (0 where a class is neither true nor predicted anywhere, or never right)."""
    cm = confusion(truth, pred, num_classes)
    tp = np.diag(cm).astype(np.float64)
    denom = cm.sum(axis=0) + cm.sum(axis=1)  # predicted + true = 2tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros(num_classes), where=denom > 0)


def macro_f1(truth, pred, num_classes: int) -> float:
    """Unweighted mean of the per-class F1 over the classes present in ``truth``."""
    f1 = per_class_f1(truth, pred, num_classes)
    present = np.bincount(np.asarray(truth, dtype=np.int64).ravel(), minlength=num_classes) > 0
    if not present.any():
        raise ValueError("no typed pairs")
    return float(f1[present].mean())
