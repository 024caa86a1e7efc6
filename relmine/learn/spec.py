"""What a training run is asked to do: one small, JSON-serialisable spec."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from relmine.errors import InputError
from relmine.relations import observed_types


@dataclass(frozen=True)
class TrainSpec:
    """Parameters of ``relmine train`` (stored as the run's ``params``).

    Partitioning: products are grouped by Louvain communities of the observed
    relations, merged or split to about ``partition_size`` products; each
    partition is extracted with a ``halo_hops``-hop halo so every product is
    embedded with its whole neighbourhood.
    """

    partition_size: int = 20_000
    halo_hops: int = 1
    relation_types: tuple[str, ...] = field(default_factory=tuple)  # empty: every observed type present
    epochs: int = 30
    hidden: int = 64
    heads: int = 4
    layers: int = 2
    lr: float = 0.003
    text_features: int = 256
    top_k: int = 10
    recon_weight: float = 0.0
    seed: int = 0
    device: str = "auto"

    def __post_init__(self):
        if self.partition_size < 2:
            raise InputError("partition_size must be at least 2")
        if not 0 <= self.halo_hops <= 3:
            raise InputError("halo_hops must be between 0 and 3")
        if self.epochs < 1 or self.hidden < 4 or self.heads < 1 or self.hidden % self.heads:
            raise InputError("epochs >= 1, hidden >= 4 and divisible by heads")
        if not 1 <= self.top_k <= 1000:
            raise InputError("top_k must be between 1 and 1000")
        object.__setattr__(self, "relation_types", tuple(observed_types(list(self.relation_types))
                                                         if self.relation_types else ()))

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainSpec":
        raw = json.loads(text)
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise InputError(f"unknown training parameters: {sorted(unknown)}")
        raw["relation_types"] = tuple(raw.get("relation_types", ()))
        return cls(**raw)
