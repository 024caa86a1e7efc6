"""Pull a set of products and the relations among them out of Neo4j into PyG tensors.

The returned :class:`Subgraph` keeps the id map (row ``i`` of ``x`` is
product ``skus[i]``) and a ``core`` mask of the products asked for; with
``halo_hops`` > 0 their neighbours are pulled too (the callers, evaluation and
bench/pipeline.py, ask for none).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch_geometric.data import Data

from relmine.gateway import Gateway, chunks
from relmine.gnn.features import node_features
from relmine.relations import OBSERVED

READ_BATCH = 5_000


@dataclass
class Subgraph:
    data: Data                 # x, edge_index (both directions), edge_type, edge_weight
    skus: list[str]            # index -> sku
    core: torch.Tensor         # bool [N]
    relations: list[tuple[int, int, int]]  # observed (src index, dst index, type id), as stored
    seconds: float

    @property
    def num_edges(self) -> int:
        return len(self.relations)


def extract_skus(gw: Gateway, core: list[str], types: list[str], *, halo_hops: int = 1, text_dim: int = 256,
                 t0: float | None = None) -> Subgraph:
    """The subgraph around ``core``: nodes, features and typed weighted edges."""
    t0 = time.monotonic() if t0 is None else t0
    skus = list(core)
    index = {s: i for i, s in enumerate(skus)}
    frontier = list(core)
    # the same graph gives the same node and edge order, whatever order Neo4j returns them in
    # (it changes as other relationships, e.g. an older run's predictions, are added): the
    # training is then deterministic under its seed from one run to the next
    for _ in range(halo_hops):
        found: set[str] = set()
        for batch in chunks(frontier, READ_BATCH):
            for sku in gw.read_one("learn/neighbour_skus", {"skus": batch, "types": types}, raw=True)["skus"]:
                if sku not in index:
                    found.add(sku)
        frontier = sorted(found)
        for sku in frontier:
            index[sku] = len(skus)
            skus.append(sku)
    feats: dict[str, dict] = {}
    for batch in chunks(skus, READ_BATCH):
        cols = gw.read_one("learn/product_features", {"skus": batch, "types": types}, raw=True)
        for i, sku in enumerate(cols["sku"]):
            feats[sku] = {key: cols[key][i] for key in cols}
    rows = [feats.get(s, {"sku": s}) for s in skus]
    type_id = {t: i for i, t in enumerate(OBSERVED)}
    relations: list[tuple[int, int, int]] = []
    weights: list[float] = []
    for batch in chunks(skus, READ_BATCH):
        cols = gw.read_one("learn/out_relations", {"skus": batch, "types": types}, raw=True)
        for src, dst, rtype, weight in zip(cols["src"], cols["dst"], cols["type"], cols["weight"]):
            j = index.get(dst)
            if j is None or dst == src:
                continue
            relations.append((index[src], j, type_id[rtype]))
            weights.append(float(weight or 1.0))
    order = sorted(range(len(relations)), key=relations.__getitem__)
    relations, weights = [relations[i] for i in order], [weights[i] for i in order]
    n = len(skus)
    if relations:
        rel = torch.tensor(relations, dtype=torch.long)
        w = torch.log1p(torch.tensor(weights, dtype=torch.float32).clamp(min=0))
        edge_index = torch.cat([rel[:, :2].t(), rel[:, [1, 0]].t()], dim=1)
        edge_type = torch.cat([rel[:, 2], rel[:, 2]])
        edge_weight = torch.cat([w, w])
    else:
        edge_index = torch.empty(2, 0, dtype=torch.long)
        edge_type = torch.empty(0, dtype=torch.long)
        edge_weight = torch.empty(0)
    data = Data(x=node_features(rows, text_dim), edge_index=edge_index, edge_type=edge_type,
                edge_weight=edge_weight, num_nodes=n)
    core_mask = torch.zeros(n, dtype=torch.bool)
    core_mask[: len(core)] = True
    return Subgraph(data, skus, core_mask, relations, time.monotonic() - t0)
