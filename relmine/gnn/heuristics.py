"""Classical link-prediction heuristics on a scipy sparse adjacency.

For a pair ``(u, v)`` with neighbour sets ``N(u)``, ``N(v)``:

* common neighbours ``CN = |N(u) & N(v)|``
* Adamic–Adar ``AA = sum_{w in N(u) & N(v)} 1 / log deg(w)``
* resource allocation ``RA = sum_{w in N(u) & N(v)} 1 / deg(w)``

(networkx's ``adamic_adar_index`` and ``resource_allocation_index`` use the
same definitions). The graph is taken as undirected and unweighted.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
import torch

HEURISTICS = ("CN", "AA", "RA")


def adjacency_matrix(edge_index, num_nodes: int) -> sp.csr_matrix:
    """Binary symmetric CSR adjacency without self-loops from ``edge_index`` ``[2, E]``."""
    ei = edge_index.cpu().numpy() if isinstance(edge_index, torch.Tensor) else np.asarray(edge_index)
    row, col = ei[0], ei[1]
    keep = row != col
    a = sp.coo_matrix((np.ones(int(keep.sum()), dtype=np.float32), (row[keep], col[keep])),
                      shape=(num_nodes, num_nodes)).tocsr()
    a = ((a + a.T) > 0).astype(np.float32)
    a.sort_indices()
    return a


def _as_pairs(pairs) -> tuple[np.ndarray, np.ndarray]:
    p = pairs.cpu().numpy() if isinstance(pairs, torch.Tensor) else np.asarray(pairs)
    if p.ndim != 2 or p.shape[0] != 2:
        raise ValueError(f"pairs must be [2, B], got shape {p.shape}")
    return p[0].astype(np.int64), p[1].astype(np.int64)


def heuristic_scores(adj: sp.csr_matrix, pairs, chunk: int = 2_000) -> dict[str, np.ndarray]:
    """CN, AA and RA of every pair, ``{"CN": [B], "AA": [B], "RA": [B]}`` (float64).

    ``chunk``: pairs per sparse product. Measured on the 2M MRR pairs of the 56k-product generated
    catalogue's test slice: chunks of 100k grew the process by 8.4 GB while the loop ran (the
    freed temporaries were not given back to the system), 10k by 0.9 GB, 2k by nothing, and
    2k was also the fastest (8.5 s against 30 s).
    """
    src, dst = _as_pairs(pairs)
    deg = np.asarray(adj.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        inv_log = np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2)), 0.0)
        inv = np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0)
    weights = np.stack([np.ones_like(deg, dtype=np.float64), inv_log, inv], axis=1)
    out = np.zeros((src.size, 3))
    for start in range(0, src.size, chunk):
        s, d = src[start:start + chunk], dst[start:start + chunk]
        both = adj[s].multiply(adj[d])  # row i: indicator of N(s_i) & N(d_i)
        out[start:start + chunk] = both @ weights
    return {name: out[:, i] for i, name in enumerate(HEURISTICS)}


def resource_allocation(adj: sp.csr_matrix, pairs) -> np.ndarray:
    return heuristic_scores(adj, pairs)["RA"]


def cosine_scorer(embeddings) -> Callable[[object], np.ndarray]:
    """A pair scorer from node embeddings (cosine similarity), e.g. for GDS FastRP vectors."""
    emb = embeddings.detach().cpu().numpy() if isinstance(embeddings, torch.Tensor) else np.asarray(embeddings)
    emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)

    def score(pairs) -> np.ndarray:
        src, dst = _as_pairs(pairs)
        return np.einsum("ij,ij->i", emb[src], emb[dst])

    return score
