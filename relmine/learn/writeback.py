"""Write what a trained model says about one partition back into Neo4j (batched, idempotent).

The training task computes every product's embedding and the attention on
every relation the run learned from, on the whole learning graph (exact,
layer-wise: :func:`relmine.learn.pipeline.full_graph_outputs`), and stores
them with the graph's structure on the run (a :class:`Bundle`). Each
``embed`` task then writes one partition's products:

* ``p.embedding`` (+ ``p.embedding_run``), staged until the run's switch: the
  encoder's vectors centred on the mean over every product of the run and
  L2-normalised (:func:`relmine.gnn.embedspace.center_normalise`), so that
  cosine between them tells products apart (the raw vectors share a large
  common component); the decoder still scores the raw vectors;
* ``r.attention`` (+ ``r.attention_run``) on the learned relations whose
  lower-indexed product is in the partition (so each is written once): the
  last GAT layer's attention, heads averaged, of the relation's two
  directions averaged (how much each end attends to the other), one row per
  source product (its relations walked once), matched in whichever direction it is stored;
* the top-k ``[:PREDICTED {type, score, rank, run}]`` per product, among
  candidates not already related to it: the ``TWO_HOP_CANDIDATES`` two-hop
  neighbours with the highest resource allocation and the
  ``EMBEDDING_NEIGHBOURS`` nearest products by the written embedding (cosine,
  over all products: exact on a small catalogue, else from an inverted-file
  index, :class:`NeighbourIndex`), scored by the decoder with structural features from the whole
  graph; ``type`` is the decoder's relation-type head and ``kind`` what that
  type means (complement, substitute; :data:`relmine.relations.KIND`);
  ``score`` is the probability the relation exists. A run held out by time on dated orders ranks
  its lists in the training task instead (:mod:`relmine.learn.blend`: the decoder's logit blended
  with the time heuristics, fitted on the validation window; ``score`` is then the blend's
  probability that the pair is bought together soon) and the task writes them as they are.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from relmine.gateway import Gateway
from relmine.gnn.edges import Adjacency
from relmine.gnn.embedspace import center_normalise
from relmine.relations import KIND, OBSERVED

WRITE_BATCH = 5_000
WRITES_AHEAD = 4  # batches queued for the writer threads at most (at least two per session)
WRITE_SESSIONS = 4  # driver sessions writing at once (bench/pipeline.py --sessions measures others)
EMBEDDING_BATCH = 1_000  # embeddings per transaction: smaller batches keep the sessions' packing and writes overlapped
EMBEDDING_NEIGHBOURS = 50
TWO_HOP_CANDIDATES = 100
WALK_BUDGET = 4_000_000  # two-hop walk entries per block of products
DENSE_BUDGET = 16_000_000  # entries of a block's dense rows over every product (64 MB of float32)
SPARSE_SHARE = 0.05  # two-hop walks under this share of a block's dense rows: summed per pair, not per row
EXACT_BELOW = 20_000  # products: below this the exact cosine over every product is as fast as the index
INDEX_RECALL = 0.97  # recall@EMBEDDING_NEIGHBOURS against exact search that the index is tuned to at build
INDEX_SAMPLE = 256  # products whose exact neighbours tune the index
INDEX_SCAN_MOST = 1 / 8  # share of the catalogue a query may scan; an index that needs more gives way to exact


@dataclass
class Bundle:
    """A run's learning graph (sku order, relations) and its outputs, as the embed tasks read them."""

    skus: list[str]
    pairs: torch.Tensor       # [2, P] lo < hi
    types: torch.Tensor       # [P] OBSERVED ids
    embeddings: torch.Tensor  # [N, C]
    attention: torch.Tensor   # [P]
    run_types: list[str]      # the model's relation-type ids, in order
    paths3: str | None = None  # how the run computed the 3-path feature (index, walk, off)
    dropped: torch.Tensor | None = None  # [2, D] observed pairs the significance filter left out
    # where the run ranked with its blend (relmine.learn.blend): {"src", "dst", "score", "type"} [W] tensors,
    # each product's list best first, products ascending; None: the decoder ranks the candidates here
    ranked: dict | None = None
    # an incremental refresh (relmine.learn.refresh): the centre its serving run's vectors were written with
    # [C], and which products it re-embedded [N] (the relations touching them get their attention written)
    centre: torch.Tensor | None = None
    refreshed: torch.Tensor | None = None

    def __post_init__(self):
        self.index = {s: i for i, s in enumerate(self.skus)}
        p = self.pairs.long()
        self.adj = Adjacency(torch.cat([p, p.flip(0)], 1), len(self.skus))
        # every observed pair, kept or not: a predicted relation is one that was never observed
        if self.dropped is not None and self.dropped.numel():
            p = torch.cat([p, self.dropped.long()], 1)
            self.observed = Adjacency(torch.cat([p, p.flip(0)], 1), len(self.skus))
        else:
            self.observed = self.adj
        self.written = center_normalise(self.embeddings, self.centre)  # what p.embedding holds (cosine space)

    @cached_property
    def neighbours(self) -> "NeighbourIndex":
        """The nearest products by the written embeddings, built on first use and kept with the bundle
        (a worker caches its run's bundle, so it builds the index once per run)."""
        return NeighbourIndex(self.written)

    @classmethod
    def from_artifacts(cls, graph: dict, outputs: dict) -> "Bundle":
        ranked = ({name: outputs[f"ranked_{name}"] for name in ("src", "dst", "score", "type")}
                  if "ranked_src" in outputs else None)
        return cls(graph["skus"], graph["pairs"].long(), graph["types"].long(), outputs["embeddings"].float(),
                   outputs["attention"].float(), list(outputs["types"]), outputs.get("paths3"),
                   graph.get("dropped"), ranked, outputs.get("centre"), outputs.get("refreshed"))


@torch.no_grad()
def write_partition(gw: Gateway, run_id: str, model, bundle: Bundle, core_skus: list[str], *, top_k: int = 10,
                    progress=None, background: bool = True, in_place: bool = False) -> dict:
    """Write one partition's embeddings, attention and predictions; ``progress(done, total)`` is called
    as the products' predictions are scored.

    The writes go to Neo4j from :data:`WRITE_SESSIONS` background threads, each with its own driver
    session, while the next blocks are scored (at most :data:`WRITES_AHEAD` batches waiting), so the
    database and the scoring work at the same time; the result says how long each took
    (``seconds_score``: scoring, ``seconds_write``: the writes, summed over the sessions, ``seconds``:
    the partition, wall). ``background=False`` writes each batch in turn instead (the baseline of
    ``bench/writeback.py``).

    The ``[:PREDICTED]`` relations are created, not merged: first the run's relations out of the
    partition's products are deleted (none, unless a task that died mid-partition wrote some), so a
    partition written again holds each pair once, as the merge did.

    ``in_place``: an incremental refresh writing into the serving run ``run_id`` (its products' vectors
    straight into ``p.embedding``, which the vector index follows, and the attention into ``r.attention``;
    nothing staged, no switch). With ``bundle.refreshed`` the attention written is that of every relation
    touching a product of the partition whose other end was not refreshed or is of the partition too."""
    t0 = time.monotonic()
    model = model.cpu().eval()
    core = torch.tensor(sorted(bundle.index[s] for s in core_skus if s in bundle.index), dtype=torch.long)
    skus = np.asarray(bundle.skus, dtype=object)
    emb_stmt, att_stmt = (EMBEDDINGS_IN_PLACE, ATTENTION_IN_PLACE) if in_place else (EMBEDDINGS, ATTENTION)
    with Writer(gw, run_id, background, sessions=WRITE_SESSIONS) as writer:
        writer.put("learn/delete_partition_predicted", skus[core.numpy()].tolist(), key="skus")
        writer.wait()  # nothing is created before the partition's older relations are gone
        writer.put(emb_stmt, embedding_rows(skus[core.numpy()].tolist(), bundle.written[core]), batch=EMBEDDING_BATCH)
        groups, sizes = _partition_attention(bundle, core, skus)
        writer.put_grouped(att_stmt, groups, sizes=sizes)
        scoring = _write_predicted(writer, model, bundle, core, skus, top_k, progress)
    return {"embeddings": writer.rows[emb_stmt], "attention": writer.rows[att_stmt],
            "predicted": writer.rows[PREDICTED], "properties": writer.properties,
            "seconds": round(time.monotonic() - t0, 2), "seconds_score": round(scoring, 2),
            "seconds_write": round(writer.seconds, 2)}


def _partition_attention(bundle: Bundle, core: torch.Tensor, skus: np.ndarray):
    """The attention rows of the partition's products (``core``), grouped one row per source product (the
    statement matches each relation in whichever direction it is stored)."""
    in_core = torch.zeros(len(bundle.skus), dtype=torch.bool)
    in_core[core] = True
    mine = in_core[bundle.pairs[0]]
    if bundle.refreshed is not None:  # each relation once: by its lower end if refreshed, else its other end
        mine |= in_core[bundle.pairs[1]] & ~bundle.refreshed[bundle.pairs[0]]
    mine = mine.nonzero().flatten()
    return attention_groups(skus, bundle.pairs[0, mine].numpy(), bundle.pairs[1, mine].numpy(),
                            np.asarray(OBSERVED, dtype=object)[bundle.types[mine].numpy()],
                            bundle.attention[mine].numpy())


def _write_predicted(writer: "Writer", model, bundle: Bundle, core: torch.Tensor, skus: np.ndarray, top_k: int,
                     progress) -> float:
    """Score the partition's products block by block and hand their ``[:PREDICTED]`` to ``writer`` as the
    blocks fill a batch; the seconds spent scoring."""
    kinds = predicted_params(bundle.run_types)
    done, pending, waiting, scoring, creating = 0, [], 0, 0.0, False
    for block in _blocks(bundle.adj, core):
        t1 = time.monotonic()
        src, dst, typ, score, rank = (_ranked_rows(bundle.ranked, block) if bundle.ranked is not None
                                      else _decoder_rows(model, bundle, block, top_k))
        groups = predicted_groups(skus, src, dst, typ, score, rank)
        pending.extend(groups)
        waiting += src.size
        scoring += time.monotonic() - t1
        if waiting >= WRITE_BATCH:
            if not creating:
                # the embeddings and attention are written by now (they overlapped the first blocks'
                # scoring): a relation created at a product whose vector, or next to a relation whose
                # attention, another session is setting would wait on its lock (or deadlock)
                writer.wait()
                creating = True
            writer.put_grouped(PREDICTED, pending, kinds)
            pending, waiting = [], 0
        done += block.numel()
        if progress is not None:
            progress(done, core.numel())
    if not creating:
        writer.wait()
    writer.put_grouped(PREDICTED, pending, kinds)
    return scoring


EMBEDDINGS, ATTENTION, PREDICTED = "learn/set_embeddings", "learn/set_attention", "learn/create_predicted"
EMBEDDINGS_IN_PLACE, ATTENTION_IN_PLACE = "learn/set_embeddings_in_place", "learn/set_attention_in_place"


def embedding_rows(skus: list[str], vectors: torch.Tensor) -> list[dict]:
    """``learn/set_embeddings`` rows: each product's sku and vector (a list of floats)."""
    return [{"sku": s, "embedding": v} for s, v in zip(skus, vectors.tolist())]


def attention_groups(skus: np.ndarray, src, dst, types, values) -> tuple[list[dict], list[int]]:
    """``learn/set_attention`` rows from arrays of one value per related pair (``src``, ``dst``: product
    indices; ``types``: relation type names): one row per source, ``{src, types, attention: {type: {sku:
    value}}}``, and how many pairs each row holds. A pair given twice keeps its last value."""
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    types, values = np.asarray(types, dtype=object)[order].tolist(), np.asarray(values)[order].tolist()
    dst_sku = skus[dst].tolist()
    starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]]).tolist() + [src.size] if src.size else [0]
    groups, sizes = [], []
    for a, b in zip(starts[:-1], starts[1:]):
        by_type: dict[str, dict[str, float]] = {}
        for i in range(a, b):
            by_type.setdefault(types[i], {})[dst_sku[i]] = values[i]
        groups.append({"src": skus[src[a]], "types": list(by_type), "attention": by_type})
        sizes.append(b - a)
    return groups, sizes


def predicted_params(run_types: list[str]) -> dict:
    """The parameters ``learn/create_predicted`` reads a row's type indices with: the run's relation
    types and what each means (:data:`relmine.relations.KIND`)."""
    return {"types": list(run_types), "kinds": [KIND[t] for t in run_types]}


def predicted_groups(skus: np.ndarray, src, dst, typ, score, rank) -> list[dict]:
    """``learn/create_predicted`` rows from ``(src, dst, type, score, rank)`` arrays of product and
    type indices, a source's relations consecutive: one row per source, its targets in the order given.

    A pair given twice is written once, with its last values (what the merge per pair wrote before);
    the scorers give each pair once."""
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    if src.size == 0:
        return []
    key = src * len(skus) + dst
    if np.unique(key).size < key.size:  # keep each pair's last row, where it stands
        _, last = np.unique(key[::-1], return_index=True)
        keep = np.sort(key.size - 1 - last)
        src, dst = src[keep], dst[keep]
        typ, score, rank = np.asarray(typ)[keep], np.asarray(score)[keep], np.asarray(rank)[keep]
    starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]]).tolist() + [src.size]
    src_sku, dst_sku = skus[src[starts[:-1]]].tolist(), skus[dst].tolist()
    typ, score, rank = np.asarray(typ).tolist(), np.asarray(score).tolist(), np.asarray(rank).tolist()
    return [{"src": s, "dst": dst_sku[a:b], "type": typ[a:b], "score": score[a:b], "rank": rank[a:b]}
            for s, a, b in zip(src_sku, starts[:-1], starts[1:])]


def _decoder_rows(model, bundle: Bundle, block: torch.Tensor, top_k: int):
    """``(src, dst, type, score, rank)`` of the block's products: their candidates
    (:func:`candidate_pairs`) ranked by the decoder's probability."""
    from relmine.gnn.train import score_pairs

    pairs = candidate_pairs(bundle.adj, bundle.written, block, observed=bundle.observed, normalised=True,
                            neighbours=bundle.neighbours)
    if not pairs.size(1):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0), empty
    logits, type_logits = score_pairs(model, None, pairs, h=bundle.embeddings, adj=bundle.adj, with_types=True,
                                      amp=False)
    scores = torch.sigmoid(logits)
    types = type_logits.argmax(dim=1) if type_logits is not None else torch.zeros_like(logits, dtype=torch.long)
    pick, rank = top_per_source(pairs[0], scores, top_k)
    return (pairs[0, pick].numpy(), pairs[1, pick].numpy(), types[pick].numpy(), scores[pick].numpy(),
            rank.numpy())


def _ranked_rows(ranked: dict, block: torch.Tensor):
    """``(src, dst, type, score, rank)`` of the block's products from the run's own ranked lists (best first,
    products ascending)."""
    pick = torch.isin(ranked["src"], block).nonzero().flatten()
    src = ranked["src"][pick]
    rank = torch.arange(pick.numel()) - torch.searchsorted(src, src) + 1
    return (src.numpy(), ranked["dst"][pick].numpy(), ranked["type"][pick].numpy(), ranked["score"][pick].numpy(),
            rank.numpy())


class Writer:
    """Batched writes of one run's rows on background threads, each with its own driver session.

    ``put`` cuts rows into transactions of :data:`WRITE_BATCH` rows (``put_grouped``: of about
    :data:`WRITE_BATCH` relations, a source's relations never split) and queues them; it waits while
    :data:`WRITES_AHEAD` batches (at least two per session) are queued, so memory stays bounded.
    With one session the batches are written in the order given; with several, concurrent batches
    hold different rows (different products, or different source products), in any order. ``wait``
    returns once every queued batch is written; leaving the ``with`` block waits too, and raises the
    first error of any write. Lock waits between sessions (two batches whose relations share a target
    product) are Neo4j's to order; a deadlock it reports is run again by the gateway."""

    def __init__(self, gw: Gateway, run_id: str, background: bool = True, sessions: int = 1):
        from collections import defaultdict
        from concurrent.futures import ThreadPoolExecutor

        self.gw, self.run_id = gw, run_id
        self.pool = (ThreadPoolExecutor(max_workers=max(1, sessions), thread_name_prefix="relmine-write")
                     if background else None)
        self.ahead = max(WRITES_AHEAD, 2 * sessions)
        self.futures: list = []
        self.rows: dict[str, int] = defaultdict(int)
        self.properties = 0
        self.seconds = 0.0
        self._lock = threading.Lock()

    def put(self, statement: str, rows: list, key: str = "rows", extra: dict | None = None,
            batch: int | None = None) -> None:
        """``rows`` in transactions of ``batch`` rows (default :data:`WRITE_BATCH`)."""
        batch = batch or WRITE_BATCH
        for start in range(0, len(rows), batch):
            self._submit(statement, rows[start:start + batch], len(rows[start:start + batch]), key, extra)

    def put_grouped(self, statement: str, groups: list[dict], extra: dict | None = None,
                    sizes: list[int] | None = None) -> None:
        """Rows that each hold several relations (a list ``dst`` of them, or ``sizes[i]`` of them), in
        batches of about :data:`WRITE_BATCH` relations; :attr:`rows` counts relations."""
        batch, size = [], 0
        for i, group in enumerate(groups):
            batch.append(group)
            size += len(group["dst"]) if sizes is None else sizes[i]
            if size >= WRITE_BATCH:
                self._submit(statement, batch, size, "rows", extra)
                batch, size = [], 0
        if batch:
            self._submit(statement, batch, size, "rows", extra)

    def wait(self) -> None:
        while self.futures:
            self.futures.pop(0).result()

    def _submit(self, statement: str, rows: list, count: int, key: str, extra: dict | None) -> None:
        if self.pool is None:
            self._write(statement, rows, count, key, extra)
            return
        while len(self.futures) >= self.ahead:
            self.futures.pop(0).result()
        self.futures.append(self.pool.submit(self._write, statement, rows, count, key, extra))

    def _write(self, statement: str, rows: list, count: int, key: str, extra: dict | None) -> None:
        t0 = time.monotonic()
        summary = self.gw.write(statement, {**(extra or {}), "run_id": self.run_id, key: rows})
        with self._lock:
            self.seconds += time.monotonic() - t0
            self.rows[statement] += count
            if statement in (EMBEDDINGS, EMBEDDINGS_IN_PLACE):
                self.properties += summary.properties_set

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc) -> None:
        try:
            for future in self.futures:
                if exc[0] is None:
                    future.result()
                else:
                    future.cancel()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)


_Writer = Writer  # the name it had


def top_per_source(src: torch.Tensor, scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(index, rank)``: the ``k`` highest-scoring pairs of every source (ties by position), ranks from 1,
    ordered by source, then rank."""
    if src.numel() == 0:
        return torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long)
    # by source, then score descending, then position (np.lexsort: last key first, stable)
    order = torch.from_numpy(np.lexsort((np.arange(src.numel()), -scores.double().numpy(), src.numpy())))
    s = src[order]
    first = torch.ones_like(s, dtype=torch.bool)
    first[1:] = s[1:] != s[:-1]
    pos = torch.arange(s.numel())
    start = torch.cummax(torch.where(first, pos, torch.zeros_like(pos)), 0).values
    rank = pos - start
    keep = rank < k
    return order[keep], rank[keep] + 1


def _blocks(adj: Adjacency, core: torch.Tensor) -> list[torch.Tensor]:
    """Blocks of products whose two-hop walks stay within :data:`WALK_BUDGET`, and whose dense rows over
    every product (resource allocation, cosine) within :data:`DENSE_BUDGET` (and at most 256 products)."""
    if core.numel() == 0:
        return []
    most = max(1, min(256, DENSE_BUDGET // max(adj.num_nodes, 1)))
    cost = adj.two_hop_walk()[core] + 1
    out, start, ends = [], 0, torch.cumsum(cost, 0)
    while start < core.numel():
        stop = int(torch.searchsorted(ends, ends[start] - cost[start] + WALK_BUDGET, right=True))
        stop = min(max(stop, start + 1), core.numel(), start + most)
        out.append(core[start:stop])
        start = stop
    return out


def candidate_pairs(adj: Adjacency, h: torch.Tensor, block: torch.Tensor,
                    observed: Adjacency | None = None, normalised: bool = False,
                    neighbours: "NeighbourIndex | None" = None) -> torch.Tensor:
    """``[2, B]`` (product, candidate) pairs not already related, deduplicated: the
    :data:`TWO_HOP_CANDIDATES` two-hop neighbours of highest resource allocation (walked on ``adj``,
    the run's learning graph) and the :data:`EMBEDDING_NEIGHBOURS` nearest products by cosine.

    ``observed`` (default ``adj``): every related pair, those the significance filter left out
    included; none of them is a candidate. ``normalised``: the rows of ``h`` have unit length (or
    are zero) already, as the written embeddings do. ``neighbours``: an index over those rows that
    gives the nearest products (default: exact, over every product)."""
    observed = adj if observed is None else observed
    n = adj.num_nodes
    if n < 2:
        return torch.empty(2, 0, dtype=torch.long)
    b = block.numel()
    rows = torch.arange(b)
    # resource allocation of block[p] - a - c, 1/deg(a) a walk
    pair, a = adj._walk(block)
    pair2, c = adj._walk(a)
    row, w = pair[pair2], 1.0 / adj.deg[a[pair2]].to(torch.float32)
    if row.numel() < SPARSE_SHARE * b * n:
        # few walks for the catalogue's size (a large sparse catalogue): summed per distinct pair
        key, inverse = torch.unique(row * n + c, return_inverse=True)
        ra = torch.zeros(key.numel()).index_add_(0, inverse, w)
        row, c = key // n, key % n
        new = (c != block[row]) & ~observed.has_edge(block[row], c)
        row, c, ra = row[new], c[new], ra[new]
        pick, _ = top_per_source(row, ra, TWO_HOP_CANDIDATES)
        src, dst = block[row[pick]], c[pick]
    else:
        # many walks (a dense co-purchase graph): summed in one dense row per product of the block
        # (there a sort of the block's millions of walks costs more than the rest of the write-back)
        ra = torch.zeros(b * n).index_add_(0, row * n + c, w).view(b, n)
        if observed is not adj:
            pair, a = observed._walk(block)
        ra[pair, a] = 0.0  # already related
        ra[rows, block] = 0.0
        top, dst = ra.topk(min(TWO_HOP_CANDIDATES, n), dim=1)
        two_hop = top > 0
        src, dst = block.unsqueeze(1).expand_as(dst)[two_hop], dst[two_hop]
    if neighbours is None:
        neighbours = NeighbourIndex(h if normalised else torch.nn.functional.normalize(h, dim=1), build=False)
    nsrc, ndst = neighbours.pairs(block, min(EMBEDDING_NEIGHBOURS, n - 1))
    ok = ~observed.has_edge(nsrc, ndst)
    src, dst = torch.cat([src, nsrc[ok]]), torch.cat([dst, ndst[ok]])
    key = torch.unique(src * n + dst)
    return torch.stack([key // n, key % n])


def nearest_exact(hn: torch.Tensor, block: torch.Tensor, k: int) -> torch.Tensor:
    """``[b, k]`` the ``k`` products of highest cosine to each of ``block`` (itself left out), over every
    row of ``hn`` (unit rows): one ``[b × C] @ [C × N]`` product."""
    sim = hn[block] @ hn.t()
    sim[torch.arange(block.numel()), block] = -2.0
    return sim.topk(k, dim=1).indices


class NeighbourIndex:
    """The nearest products by cosine among the unit rows ``hn`` (a run's written embeddings).

    Below :data:`EXACT_BELOW` products (or with ``build=False``) every query is exact
    (:func:`nearest_exact`); from there on an inverted-file index answers (faiss ``IndexIVFFlat``,
    inner product): k-means puts the products in about ``4 √N`` cells, and a query compares exact
    inner products with the products of its ``nprobe`` nearest cells only. ``nprobe`` is tuned at
    build time: doubled from 8 until the recall@:data:`EMBEDDING_NEIGHBOURS` against exact search, on
    :data:`INDEX_SAMPLE` products, reaches :data:`INDEX_RECALL` (``recall`` says what it reached).
    Vectors that need more than :data:`INDEX_SCAN_MOST` of the cells for it (no cluster structure:
    the index would be little faster than exact) are answered exactly (``index`` stays ``None``).

    Deterministic: the k-means sample and its initialisation are seeded (``seed``) and the
    cells are scanned exactly, so the same vectors give the same index and the same neighbours in
    every worker; a resumed run's embed tasks write what an uninterrupted run's do.

    Args:
        hn (Tensor): ``[N, C]`` float rows of unit length (or zero).
        build (bool): build the index where the catalogue is large enough (default ``True``).
        seed (int): seeds the k-means sample and initialisation (default ``0``).
    """

    def __init__(self, hn: torch.Tensor, build: bool = True, seed: int = 0):
        self.hn = hn
        self.index = None
        self.nprobe, self.recall, self.seconds = 0, 1.0, 0.0
        if build and hn.size(0) >= EXACT_BELOW:
            self._build(seed)

    def _build(self, seed: int) -> None:
        import faiss  # lazily: a worker's main process never starts faiss's OpenMP before it forks

        t0 = time.monotonic()
        x = np.ascontiguousarray(self.hn.numpy(), dtype=np.float32)
        n, dim = x.shape
        cells = int(4 * n ** 0.5)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, cells, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed, index.cp.niter = seed, 10
        rng = np.random.default_rng(seed)
        index.train(x[np.sort(rng.choice(n, min(n, 40 * cells), replace=False))])
        index.add(x)
        self.index = index
        sample = torch.from_numpy(np.sort(rng.choice(n, min(n, INDEX_SAMPLE), replace=False)))
        k = min(EMBEDDING_NEIGHBOURS, n - 1)
        truth = torch.cat([nearest_exact(self.hn, b, k) for b in sample.split(16)])
        truth_keys = (sample.unsqueeze(1).expand_as(truth) * n + truth).reshape(-1)  # the sample's true neighbours
        self.nprobe = 8
        while True:
            index.nprobe = self.nprobe
            src, dst = self.pairs(sample, k)
            self.recall = float(torch.isin(src * n + dst, truth_keys).sum()) / max(truth_keys.numel(), 1)
            if self.recall >= INDEX_RECALL:
                break
            if 2 * self.nprobe > cells * INDEX_SCAN_MOST:
                # vectors without cells to speak of (the tail neighbours barely above chance): exact
                self.index, self.nprobe, self.recall = None, 0, 1.0
                break
            self.nprobe *= 2
        self.seconds = round(time.monotonic() - t0, 2)

    def pairs(self, block: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``(src, dst)``: up to ``k`` nearest products ``dst`` of each ``src`` in ``block``, by source
        then nearest first."""
        if k <= 0 or block.numel() == 0:
            return torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long)
        if self.index is None:
            near = nearest_exact(self.hn, block, k)
            return block.unsqueeze(1).expand_as(near).reshape(-1), near.reshape(-1)
        _, found = self.index.search(np.ascontiguousarray(self.hn[block].numpy()), k + 1)
        found = torch.from_numpy(found)
        ok = (found >= 0) & (found != block.unsqueeze(1))
        ok &= torch.cumsum(ok, 1) <= k  # the first k of each row besides itself
        return block.unsqueeze(1).expand_as(found)[ok], found[ok]


def ensure_vector_index(gw: Gateway, dimensions: int) -> None:
    """The ``product_embedding`` vector index, with the run's dimensions and unquantized vectors
    (re-created if either differs: an index from before quantization was turned off is rebuilt)."""
    row = gw.read_one("learn/embedding_index_dimensions")
    if row is not None and (row["dimensions"] != dimensions or row["quantized"]):
        gw.write("learn/drop_embedding_index")
    gw.write("learn/create_embedding_index", {"dimensions": dimensions})
    gw.write("admin/await_indexes")
