"""Incremental refresh (issue 27 item 3): which products a refresh re-embeds, and their exact outputs.

A GAT with ``k`` layers embeds a product from its ``k``-hop neighbourhood only: the features of the
products within ``k`` hops and the relations (type, weight) within ``k - 1`` hops of it, besides its
own. So after new orders, products or relations, only the products whose ``k``-hop neighbourhood
changed get new vectors; every other product's vector is what the last write-back gave it.

:func:`find_changes` compares the graph the serving run last embedded (its ``graph`` artifact and a
digest of each product's feature row) with the graph pulled now, through the same filter:

* ``X``: new products and products whose feature row changed (the hashed title/category/price/degree
  features change with any new relation of the product, kept by the filter or not);
* ``E``: both ends of every relation the learning graph gained, lost, or whose type changed, or whose
  weight changed where the model reads weights (a removed product's relations count as lost);
* the changed products are ``X`` expanded ``k`` hops and ``E`` expanded ``k - 1`` hops over the graph
  as it is now (a product's layer ``l`` output changes when its own or a neighbour's layer ``l - 1``
  output did, or when its own relations did).

:func:`embed_changed` embeds them exactly on the subgraph induced by the products within ``k + 1``
hops of them: their vectors need ``k`` hops; the attention on a relation of theirs in the direction
of an unchanged neighbour is a softmax over that neighbour's relations, whose last-layer inputs need
one hop more. Every other product keeps its stored vector, and every relation that touches no changed
product its stored attention (both equal what a full re-embedding computes for them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from relmine.relations import OBSERVED


def row_digests(x: torch.Tensor) -> torch.Tensor:
    """``[N]`` int64: a 64-bit digest of each feature row's bytes (two rows digest alike only when equal,
    bar a 2^-64 chance), stored with a run's outputs so that a refresh finds the rows that changed."""
    a = np.ascontiguousarray(x.detach().cpu().numpy(), dtype=np.float32)
    rows = a.view(np.uint8).reshape(a.shape[0], -1)
    out = np.fromiter((int.from_bytes(hashlib.blake2b(r.tobytes(), digest_size=8).digest(), "little", signed=True)
                       for r in rows), dtype=np.int64, count=a.shape[0])
    return torch.from_numpy(out)


def expand(mask: np.ndarray, pairs: np.ndarray, hops: int) -> np.ndarray:
    """``mask`` grown by ``hops`` hops over the undirected ``pairs`` ``[2, P]``."""
    m = mask.copy()
    for _ in range(max(hops, 0)):
        grown = m.copy()
        grown[pairs[1][m[pairs[0]]]] = True
        grown[pairs[0][m[pairs[1]]]] = True
        if (grown == m).all():
            break
        m = grown
    return m


@dataclass
class Changes:
    """What changed between the graph a run last embedded and the graph now (indices: the graph now)."""

    changed: np.ndarray        # [N] bool: products to re-embed
    old_index: np.ndarray      # [N] int64: each product's position in the old graph, -1 for a new one
    old_column: np.ndarray     # [P] int64: each relation's column in the old graph, -1 for a new (or changed) one
    figures: dict = field(default_factory=dict)


def find_changes(old_graph: dict, old_digests: torch.Tensor, lg, digests: torch.Tensor, layers: int,
                 weighted: bool = True) -> Changes:
    """The products whose ``layers``-hop neighbourhood changed (module docstring), and how each product and
    relation of the graph now maps onto the old one. ``weighted``: the model reads the relations' weights
    (``use_edge_weight``); without, a relation whose weight alone changed changes nothing it computes (the
    significance filter's decisions show as relations gained or lost)."""
    n = lg.num_nodes
    old_skus = list(old_graph["skus"])
    old_index = pd.Index(old_skus).get_indexer(lg.skus).astype(np.int64)
    known = old_index >= 0
    x_seed = ~known
    x_seed[known] = old_digests.numpy()[old_index[known]] != digests.numpy()[known]
    to_new = np.full(len(old_skus), -1, dtype=np.int64)
    to_new[old_index[known]] = np.flatnonzero(known)

    op, ot = old_graph["pairs"].numpy().astype(np.int64), old_graph["types"].numpy().astype(np.int64)
    ow = old_graph["weights"].numpy()
    a, b = to_new[op[0]], to_new[op[1]]
    edge_seed = np.zeros(n, dtype=bool)
    lost_end = (a < 0) | (b < 0)  # a relation of a product that left the catalogue
    edge_seed[a[lost_end & (a >= 0)]] = True
    edge_seed[b[lost_end & (b >= 0)]] = True
    kept = np.flatnonzero(~lost_end)
    r = len(OBSERVED)
    lo, hi = np.minimum(a[kept], b[kept]), np.maximum(a[kept], b[kept])
    old_key = (lo * n + hi) * r + ot[kept]
    new_key = (lg.pairs[0].astype(np.int64) * n + lg.pairs[1]) * r + lg.types
    _, oi, ni = np.intersect1d(old_key, new_key, assume_unique=True, return_indices=True)
    same = ow[kept[oi]] == lg.weights[ni]
    reweighted_all = int((~same).sum())
    if not weighted:
        same[:] = True
    oi, ni, reweighted = oi[same], ni[same], int((~same).sum())
    old_column = np.full(new_key.size, -1, dtype=np.int64)
    old_column[ni] = kept[oi]
    fresh = old_column < 0  # gained, or reweighted
    gone = np.ones(old_key.size, dtype=bool)
    gone[oi] = False
    for key in (new_key[fresh], old_key[gone]):
        pair = key // r
        edge_seed[pair // n] = True
        edge_seed[pair % n] = True
    changed = expand(x_seed, lg.pairs, layers) | expand(edge_seed, lg.pairs, layers - 1)
    figures = {"products": n, "products_new": int((~known).sum()), "products_gone": len(old_skus) - int(known.sum()),
               "products_features_changed": int(x_seed[known].sum()), "products_relations_changed": int(edge_seed.sum()),
               "products_changed": int(changed.sum()), "relations": int(new_key.size),
               "relations_new": int(fresh.sum()) - reweighted, "relations_reweighted": reweighted_all,
               "relations_gone": int(gone.sum()) - reweighted + int(lost_end.sum()), "layers": layers}
    return Changes(changed, old_index, old_column, figures)


def embed_changed(model, lg, local_types: np.ndarray, changes: Changes, budget: int):
    """``(embeddings [C, D], attention {relation column: value}, products in the subgraph)`` of the changed
    products, on the subgraph induced by the products within ``layers + 1`` hops of them (exact: see the
    module docstring). ``local_types``: each relation's type index in the model."""
    from relmine.learn.pull import LearningGraph
    from relmine.learn.pipeline import full_graph_outputs

    layers = changes.figures["layers"]
    ball = expand(changes.changed, lg.pairs, layers + 1)
    nodes = np.flatnonzero(ball)
    local = np.full(lg.num_nodes, -1, dtype=np.int64)
    local[nodes] = np.arange(nodes.size)
    inside = np.flatnonzero(ball[lg.pairs[0]] & ball[lg.pairs[1]])
    sub = LearningGraph([lg.skus[i] for i in nodes], lg.x[torch.from_numpy(nodes)], local[lg.pairs[:, inside]],
                        lg.types[inside], lg.weights[inside], lg.features)
    h, att = full_graph_outputs(model, sub, local_types[inside], budget)
    rows = local[np.flatnonzero(changes.changed)]
    touch = changes.changed[lg.pairs[0]] | changes.changed[lg.pairs[1]]
    # every relation touching a changed product lies inside the ball: its column there, for its attention
    where = np.full(lg.pairs.shape[1], -1, dtype=np.int64)
    where[inside] = np.arange(inside.size)
    columns = np.flatnonzero(touch)
    return h[torch.from_numpy(rows)], columns, att[torch.from_numpy(where[columns])], int(nodes.size)


def merged_outputs(old_outputs: dict, changes: Changes, lg, new_rows: torch.Tensor, columns: np.ndarray,
                   new_attention: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(embeddings [N, D], attention [P])`` of the graph now: the stored ones where nothing changed, the new
    ones of the changed products and of the relations that touch them."""
    old_h, old_att = old_outputs["embeddings"].float(), old_outputs["attention"].float()
    h = torch.zeros(lg.num_nodes, old_h.size(1), dtype=torch.float32)
    keep = np.flatnonzero(~changes.changed)
    h[torch.from_numpy(keep)] = old_h[torch.from_numpy(changes.old_index[keep])]
    h[torch.from_numpy(np.flatnonzero(changes.changed))] = new_rows.float()
    att = torch.zeros(lg.pairs.shape[1], dtype=torch.float32)
    stored = np.flatnonzero(changes.old_column >= 0)
    att[torch.from_numpy(stored)] = old_att[torch.from_numpy(changes.old_column[stored])]
    att[torch.from_numpy(columns)] = new_attention.float()
    return h, att
