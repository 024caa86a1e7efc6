"""GDS FastRP + cosine as a link-prediction baseline, computed on a split's training graph only.

The training graph of a :class:`relmine.gnn.edges.LinkSplit` is sent to GDS as
two lists of integer node ids (``$src``, ``$dst``) and projected with the
Cypher aggregation ``gds.graph.project`` (GDS 2.x accepts integers as source
and target): nothing is read from or written to the database, so no
held-out edge can leak in and nothing is left behind but the projection,
which is dropped in a ``finally``. Node ``i`` of the projection is row ``i``
of ``x``; nodes without training edges are projected alone (they get a zero
vector, cosine 0 with everything).

Default parameters (:class:`FastRPParams`), chosen by a 13-point sweep on
the validation edges of Amazon Photo, seed 0 (table in ``docs/evaluate.md``):
512 dimensions, ``iterationWeights [0, 1, 1]`` (no self term: a node's own
random vector says nothing about its neighbours; 1- and 2-hop neighbourhoods
equally; a third hop lowered validation Hits@50), ``normalizationStrength
-0.5`` (damps high-degree neighbours, as RA does), ``randomSeed 42`` and
``concurrency 1`` so that the embedding is deterministic.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from typing import Mapping

import numpy as np
import torch

from relmine.gateway import Gateway
from relmine.gnn.heuristics import cosine_scorer

log = logging.getLogger(__name__)

NAME = "FastRP+cosine"
PREFIX = "relmine-eval-"


@dataclass(frozen=True)
class FastRPParams:
    """Configuration of ``gds.fastRP.stream`` (GDS names)."""

    embeddingDimension: int = 512
    iterationWeights: tuple[float, ...] = (0.0, 1.0, 1.0)
    normalizationStrength: float = -0.5
    randomSeed: int = 42
    concurrency: int = 1  # GDS community: at most 4; 1 keeps the stream order-independent and cheap

    def config(self) -> dict:
        c = asdict(self)
        c["iterationWeights"] = [float(w) for w in self.iterationWeights]
        return c


def undirected_lists(edge_index, num_nodes: int) -> tuple[list[int], list[int]]:
    """Each undirected edge once (``src < dst``), plus ``(i, -1)`` for nodes without edges."""
    ei = edge_index.cpu().numpy() if isinstance(edge_index, torch.Tensor) else np.asarray(edge_index)
    lo, hi = np.minimum(ei[0], ei[1]), np.maximum(ei[0], ei[1])
    keep = lo != hi
    pairs = np.unique(np.stack([lo[keep], hi[keep]], axis=1), axis=0) if keep.any() else np.empty((0, 2), np.int64)
    seen = np.zeros(num_nodes, dtype=bool)
    seen[pairs.ravel()] = True
    alone = np.flatnonzero(~seen)
    src = np.concatenate([pairs[:, 0], alone]).astype(np.int64)
    dst = np.concatenate([pairs[:, 1], np.full(alone.size, -1, dtype=np.int64)])
    return src.tolist(), dst.tolist()


def fastrp_embeddings(gw: Gateway, edge_index, num_nodes: int,
                      params: FastRPParams = FastRPParams()) -> np.ndarray:
    """FastRP vectors ``[num_nodes, dim]`` of the undirected graph ``edge_index`` (row i: node i)."""
    graph = f"{PREFIX}{uuid.uuid4().hex[:12]}"
    src, dst = undirected_lists(edge_index, num_nodes)
    try:
        gw.read("evaluate/project_edge_list", {"graph": graph, "src": src, "dst": dst})
        rows = gw.read("evaluate/fastrp_stream", {"graph": graph, "config": params.config()}, raw=True)
    finally:
        gw.read("evaluate/drop_projection", {"graph": graph})
    emb = np.zeros((num_nodes, params.embeddingDimension), dtype=np.float32)
    for row in rows:
        emb[int(row["nodeId"])] = row["embedding"]
    return emb


@dataclass
class FastRPScorers:
    """An ``extra`` hook of :func:`relmine.gnn.evaluate.evaluate_seeds`: ``(split, seed) -> {name: scorer}``.

    Embeds each seed's training graph (``split.graph``) with FastRP in GDS and
    scores pairs by cosine similarity.
    """

    gw: Gateway
    params: FastRPParams = field(default_factory=FastRPParams)

    def __call__(self, split, seed: int) -> Mapping[str, object]:
        g = split.graph
        emb = fastrp_embeddings(self.gw, g.edge_index, int(g.num_nodes), self.params)
        log.info("FastRP (%d dims) on the training graph of seed %d", self.params.embeddingDimension, seed)
        return {NAME: cosine_scorer(emb)}


def leftover_projections(gw: Gateway) -> list[str]:
    """Projections this module made and did not drop (should be none)."""
    return [r["graphName"] for r in gw.read("evaluate/list_projections", {"prefix": PREFIX})]
