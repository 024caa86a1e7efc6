"""The space embeddings are written in, and two measures of whether cosine in it tells products apart.

The encoder (residual GAT layers, each followed by LayerNorm) gives every
product's vector a large component that all products share: on the demo
catalogue the raw vectors of a product's nearest neighbours sit at cosine
0.999 and above, whatever the neighbour. The decoder does not mind (it reads
the vectors themselves), but cosine, which ``relmine neighbours``, the vector
index and the substitute evidence of ``relmine recommend`` use, does. So the
vectors written to ``p.embedding`` are :func:`center_normalise`-d: the mean
over every product of the run removed, then L2-normalised (``docs/learn.md``,
"Embeddings that discriminate", has the figures before and after).

:func:`concentration` and :func:`neighbour_hits_at_k` are what ``bench/embeddings.py``
measures.
"""

from __future__ import annotations

import numpy as np
import torch

EPS = 1e-12


def center_normalise(h: torch.Tensor, centre: torch.Tensor | None = None) -> torch.Tensor:
    """``(h - mean(h)) / ||h - mean(h)||`` per row; the mean over all rows (or ``centre`` ``[C]``, given: an
    incremental refresh keeps the centre its serving run wrote with). A row equal to the mean stays all
    zero. Shapes: ``[N, C] -> [N, C]``."""
    h = h.float()
    if h.size(0) == 0:
        return h.clone()
    c = h - (h.mean(dim=0, keepdim=True) if centre is None else centre.float().view(1, -1))
    norm = c.norm(dim=1, keepdim=True)
    return torch.where(norm > EPS, c / norm.clamp(min=EPS), torch.zeros_like(c))


def _unit(h) -> np.ndarray:
    h = np.asarray(h, dtype=np.float64)
    norm = np.linalg.norm(h, axis=1, keepdims=True)
    return np.divide(h, norm, out=np.zeros_like(h), where=norm > EPS)


def concentration(h, labels, *, k: int = 5, sample: int = 4000, seed: int = 0) -> dict:
    """How concentrated the cosines of ``h`` ``[N, C]`` are, by group ``labels`` ``[N]``.

    ``within`` / ``across``: mean cosine over pairs of distinct products of the same / of different
    labels; ``nn_mean``, ``nn_min``, ``nn_max``: over products, of the mean cosine to their ``k``
    nearest neighbours; ``nn_spread``: the mean over products of (1st - ``k``-th nearest cosine), the
    gap a ranking of the ``k`` nearest has to work with. At most ``sample`` products (seeded) are used.
    """
    u = _unit(h)
    labels = np.asarray(labels)
    n = u.shape[0]
    if n < 2:
        raise ValueError("concentration needs at least 2 products")
    if n > sample:
        keep = np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
        u, labels = u[keep], labels[keep]
        n = sample
    sim = u @ u.T
    off = ~np.eye(n, dtype=bool)
    same = (labels[:, None] == labels[None, :]) & off
    diff = (labels[:, None] != labels[None, :])
    k = min(k, n - 1)
    s = np.where(off, sim, -np.inf)
    top = -np.sort(-s, axis=1)[:, :k]
    nn = top.mean(axis=1)
    return {"within": float(sim[same].mean()) if same.any() else float("nan"),
            "across": float(sim[diff].mean()) if diff.any() else float("nan"),
            "nn_mean": float(nn.mean()), "nn_min": float(nn.min()), "nn_max": float(nn.max()),
            "nn_spread": float((top[:, 0] - top[:, -1]).mean()), "products": int(n), "k": int(k)}


def neighbour_hits_at_k(h, pairs, *, k: int = 10) -> float:
    """Share of held-out ``pairs`` ``[2, M]`` (row indices of ``h``) whose partner is among the ``k``
    nearest products by cosine (self excluded), counted in both directions (``2M`` queries)."""
    pairs = np.asarray(pairs, dtype=np.int64)
    if pairs.size == 0:
        return float("nan")
    u = _unit(h)
    q = np.concatenate([pairs[0], pairs[1]])
    t = np.concatenate([pairs[1], pairs[0]])
    hits = 0
    for start in range(0, q.size, 1024):
        qs, ts = q[start:start + 1024], t[start:start + 1024]
        sim = u[qs] @ u.T
        sim[np.arange(qs.size), qs] = -np.inf
        target = sim[np.arange(qs.size), ts]
        # rank = products strictly closer than the partner (ties count for the partner)
        hits += int(((sim > target[:, None]).sum(axis=1) < k).sum())
    return hits / q.size
