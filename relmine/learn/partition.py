"""Split the products into write-back jobs of bounded size.

Training embeds every product from the whole graph (:mod:`relmine.learn.pipeline`),
so a partition is only a unit of write-back work (one ``embed`` task):
:func:`chunk_products` cuts the products, in sku order, into partitions of
``size``. Each product's partition is written to the graph
(``(:Partition)-[:HAS_MEMBER]->(:Product)``, owned by the run) and each
partition becomes a ``(:Partition)`` node of the run.

:func:`partition_products` (Louvain communities packed into partitions)
is kept for callers that want related products together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from relmine.errors import InputError
from relmine.gateway import Gateway
from relmine.relations import OBSERVED


@dataclass(frozen=True)
class PartitionPlan:
    assignment: dict[str, int]  # sku -> partition number
    sizes: list[int]

    @property
    def count(self) -> int:
        return len(self.sizes)


def learnable_types(gw: Gateway, wanted: tuple[str, ...] = ()) -> list[str]:
    """The observed relation types present in the database (optionally a chosen subset)."""
    present = {row["type"] for row in gw.read("learn/existing_relationship_types")}
    return [t for t in (wanted or OBSERVED) if t in present]


def pack_communities(communities: dict[str, int], size: int) -> PartitionPlan:
    """Pack communities into partitions of at most ``size`` products (deterministic)."""
    members: dict[int, list[str]] = defaultdict(list)
    for sku, community in communities.items():
        members[community].append(sku)
    groups = sorted((sorted(skus) for skus in members.values()), key=lambda g: (-len(g), g[0]))
    bins: list[list[str]] = []
    loads: list[int] = []
    for group in groups:
        if len(group) >= size:  # too big: cut into chunks of `size`
            for start in range(0, len(group), size):
                bins.append(group[start:start + size])
                loads.append(len(bins[-1]))
            continue
        for i, load in enumerate(loads):  # first fit
            if load + len(group) <= size:
                bins[i].extend(group)
                loads[i] += len(group)
                break
        else:
            bins.append(list(group))
            loads.append(len(group))
    assignment = {sku: number for number, skus in enumerate(bins) for sku in skus}
    return PartitionPlan(assignment, loads)


def partition_products(gw: Gateway, run: str, size: int, types: list[str], *, concurrency: int = 2,
                       batch_size: int = 20_000) -> PartitionPlan:
    """Run Louvain on a projection of ``types``, pack, and record partitions for ``run``."""
    if not types:
        raise InputError("the graph has no observed product relations to learn from; "
                         "ingest relations or orders first (relmine ingest)")
    graph = f"relmine-partition-{run}"
    projection = {t: {"orientation": "UNDIRECTED"} for t in types}
    gw.write("learn/drop_projection", {"graph": graph})
    gw.write("learn/project_products", {"graph": graph, "relationships": projection})
    try:
        rows = gw.read("learn/louvain_communities", {"graph": graph, "concurrency": concurrency})
    finally:
        gw.write("learn/drop_projection", {"graph": graph})
    plan = pack_communities({r["sku"]: r["community"] for r in rows}, size)
    gw.write_batches("learn/set_partitions", ({"sku": s, "partition": p} for s, p in plan.assignment.items()),
                     batch_size=batch_size, extra={"run": run})
    gw.write("learn/create_partitions", {"run": run, "rows": [{"number": i, "size": n}
                                                              for i, n in enumerate(plan.sizes)]})
    return plan


def chunk_products(gw: Gateway, run: str, skus: list[str], size: int, *, batch_size: int = 20_000) -> PartitionPlan:
    """Record partitions of ``size`` consecutive products (in the order given) for ``run``."""
    plan = PartitionPlan({s: i // size for i, s in enumerate(skus)},
                         [min(size, len(skus) - start) for start in range(0, len(skus), size)])
    gw.write_batches("learn/set_partitions", ({"sku": s, "partition": p} for s, p in plan.assignment.items()),
                     batch_size=batch_size, extra={"run": run})
    gw.write("learn/create_partitions", {"run": run, "rows": [{"number": i, "size": n}
                                                              for i, n in enumerate(plan.sizes)]})
    return plan
