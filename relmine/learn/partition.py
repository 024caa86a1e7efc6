"""Split the products into write-back jobs of bounded size.

Training embeds every product from the whole graph (:mod:`relmine.learn.pipeline`),
so a partition is only a unit of write-back work (one ``embed`` task):
:func:`chunk_products` cuts the products, in sku order, into partitions of
``size``. Each product's partition is written to the graph
(``(:Partition)-[:HAS_MEMBER]->(:Product)``, owned by the run) and each
partition becomes a ``(:Partition)`` node of the run.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def chunk_products(gw: Gateway, run_id: str, skus: list[str], size: int, *, batch_size: int = 20_000) -> PartitionPlan:
    """Record partitions of ``size`` consecutive products (in the order given) for run ``run_id``."""
    plan = PartitionPlan({s: i // size for i, s in enumerate(skus)},
                         [min(size, len(skus) - start) for start in range(0, len(skus), size)])
    gw.write_batches("learn/set_partitions", ({"sku": s, "partition": p} for s, p in plan.assignment.items()),
                     batch_size=batch_size, extra={"run_id": run_id})
    gw.write("learn/create_partitions", {"run_id": run_id, "rows": [{"number": i, "size": n}
                                                                 for i, n in enumerate(plan.sizes)]})
    return plan
