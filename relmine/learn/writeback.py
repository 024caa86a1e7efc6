"""Write what a trained model says about one partition back into Neo4j (batched, idempotent).

* ``p.embedding`` (+ ``p.embedding_run``) for the partition's core products;
* ``r.attention`` (+ ``r.attention_run``) on observed relations leaving core products:
  the last GAT layer's attention, heads averaged, of the two directions of the
  relation averaged (how much each end attends to the other);
* the top-k ``[:PREDICTED {type, score, rank, run}]`` per core product, among
  candidates not already related to it: two-hop neighbours and the nearest
  products by embedding inside the subgraph, scored by the decoder; ``type``
  is the decoder's relation-type head and ``kind`` what that type means
  (complement, substitute; :data:`relmine.relations.KIND`); ``score`` is the
  probability the relation exists.
"""

from __future__ import annotations

import torch

from relmine.gateway import Gateway
from relmine.learn.extract import Subgraph
from relmine.relations import KIND, OBSERVED

WRITE_BATCH = 5_000
EMBEDDING_NEIGHBOURS = 50


@torch.no_grad()
def write_partition(gw: Gateway, run: str, model, sub: Subgraph, *, top_k: int = 10) -> dict:
    from relmine.gnn.train import embed, score_pairs

    model = model.cpu().eval()
    data = sub.data
    h = embed(model, data, "cpu", False)
    core_idx = sub.core.nonzero().flatten()
    emb_rows = [{"sku": sub.skus[i], "embedding": h[i].tolist()} for i in core_idx.tolist()]
    n_emb = gw.write_batches("learn/set_embeddings", emb_rows, batch_size=WRITE_BATCH, extra={"run": run})

    att_rows = []
    if data.edge_index.size(1):
        att = model.attention(data.x, data.edge_index, data.edge_type, data.edge_weight).float()
        m = len(sub.relations)
        both = (att[:m] + att[m:2 * m]) / 2
        for (s, d, t), a in zip(sub.relations, both.tolist()):
            if sub.core[s]:
                att_rows.append({"src": sub.skus[s], "dst": sub.skus[d], "type": OBSERVED[t], "attention": a})
    gw.write_batches("learn/set_attention", att_rows, batch_size=WRITE_BATCH, extra={"run": run})

    pairs = candidate_pairs(data.edge_index, h, core_idx, data.num_nodes)
    pred_rows = []
    if pairs.size(1):
        logits, type_logits = score_pairs(model, data, pairs, h=h, with_types=True, amp=False)
        scores = torch.sigmoid(logits)
        types = type_logits.argmax(dim=1) if type_logits is not None else torch.zeros_like(logits, dtype=torch.long)
        order = torch.argsort(scores, descending=True, stable=True)
        taken: dict[int, int] = {}
        for idx in order.tolist():
            src = int(pairs[0, idx])
            rank = taken.get(src, 0)
            if rank >= top_k:
                continue
            taken[src] = rank + 1
            pred_rows.append({"src": sub.skus[src], "dst": sub.skus[int(pairs[1, idx])],
                              "type": OBSERVED[int(types[idx])], "kind": KIND[OBSERVED[int(types[idx])]],
                              "score": float(scores[idx]), "rank": rank + 1})
    gw.write_batches("learn/merge_predicted", pred_rows, batch_size=WRITE_BATCH, extra={"run": run})
    return {"embeddings": len(emb_rows), "attention": len(att_rows), "predicted": len(pred_rows),
            "properties": n_emb.properties_set}


def candidate_pairs(edge_index: torch.Tensor, h: torch.Tensor, core_idx: torch.Tensor, n: int) -> torch.Tensor:
    """``[2, B]`` (core product, candidate) pairs not already related: 2-hop neighbours and
    the nearest products by embedding (cosine) within the subgraph; deduplicated."""
    if n < 2 or core_idx.numel() == 0:
        return torch.empty(2, 0, dtype=torch.long)
    adj = torch.sparse_coo_tensor(edge_index, torch.ones(edge_index.size(1)), (n, n)).coalesce()
    adj = torch.sparse_coo_tensor(adj.indices(), torch.ones(adj.indices().size(1)), (n, n)).coalesce()
    rows = []
    for start in range(0, core_idx.numel(), 256):
        block = core_idx[start:start + 256]
        sel = torch.zeros(block.numel(), n)
        sel[torch.arange(block.numel()), block] = 1.0
        one = torch.sparse.mm(adj, sel.t()).t()           # [b, n] neighbours
        two = torch.sparse.mm(adj, (one > 0).float().t()).t()  # [b, n] two-hop paths
        hn = torch.nn.functional.normalize(h, dim=1)
        sim = hn[block] @ hn.t()
        k = min(EMBEDDING_NEIGHBOURS, n - 1)
        near = torch.zeros_like(sim, dtype=torch.bool)
        near.scatter_(1, sim.topk(k + 1, dim=1).indices, True)
        cand = (two > 0) | near
        cand &= one == 0
        cand[torch.arange(block.numel()), block] = False
        r, c = cand.nonzero(as_tuple=True)
        rows.append(torch.stack([block[r], c]))
    return torch.cat(rows, dim=1)


def ensure_vector_index(gw: Gateway, dimensions: int) -> None:
    """The ``product_embedding`` vector index, with the run's dimensions (re-created if they changed)."""
    row = gw.read_one("learn/embedding_index_dimensions")
    if row is not None and row["dimensions"] != dimensions:
        gw.write("learn/drop_embedding_index")
    gw.write("learn/create_embedding_index", {"dimensions": dimensions})
    gw.write("admin/await_indexes")
