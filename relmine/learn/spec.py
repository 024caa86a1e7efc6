"""What a training run is asked to do: one small, JSON-serialisable spec.

Its model and training defaults are those of :mod:`relmine.gnn.recipe`, the
recipe ``relmine evaluate`` measures; nothing here repeats a number of it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from relmine.errors import InputError
from relmine.gnn import recipe
from relmine.relations import observed_types

# parameters of older runs that no longer mean anything (ignored when their params are read)
_RETIRED = {"halo_hops"}


@dataclass(frozen=True)
class TrainSpec:
    """Parameters of ``relmine train`` (stored as the run's ``params``).

    The run learns from every product and the observed relations of
    ``relation_types`` that pass the significance filter (``min_count``,
    ``top_k_relations``: :class:`relmine.learn.pull.RelationFilter`);
    ``val_ratio``/``test_ratio`` of the related pairs are held out: by time
    (``holdout``: the pairs first seen latest are the test, the window
    before them validation) where the relations carry when they were first
    seen, else at random (seeded by ``seed``). Write-back runs in partitions of ``partition_size`` products
    (one ``embed`` task each); every product is embedded from the whole graph.
    """

    partition_size: int = 20_000
    relation_types: tuple[str, ...] = field(default_factory=tuple)  # empty: every observed type present
    epochs: int = recipe.TRAIN["epochs"]
    patience: int = recipe.TRAIN["patience"]
    hidden: int = recipe.MODEL["hidden_channels"]
    heads: int = recipe.MODEL["heads"]
    layers: int = recipe.MODEL["num_layers"]
    conv: str = recipe.MODEL["conv"]
    lr: float = recipe.TRAIN["lr"]
    text_features: int = 256
    top_k: int = 10
    recon_weight: float = 0.0
    contrast_weight: float = 0.0   # > 0: substitute-like pairs pulled together by cosine (docs/learn.md)
    seed: int = 0
    device: str = "auto"
    min_count: float = 2.0         # the significance filter's defaults: chosen on Online Retail's next months'
    top_k_relations: int = 200     # orders (bench/filter.py, docs/learn.md step 3)
    val_ratio: float = recipe.SPLIT["val_ratio"]
    test_ratio: float = recipe.SPLIT["test_ratio"]
    holdout: str = "auto"          # time where relations carry when they were first seen, else random
    max_step_edges: int = recipe.TRAIN["max_step_edges"]
    memory_gb: float = 6.0

    def __post_init__(self):
        if self.partition_size < 2:
            raise InputError("partition_size must be at least 2")
        if self.epochs < 1 or self.hidden < 4 or self.heads < 1 or self.hidden % self.heads:
            raise InputError("epochs >= 1, hidden >= 4 and divisible by heads")
        if self.conv not in recipe.CONVS:
            raise InputError(f"conv must be one of {', '.join(recipe.CONVS)}, not {self.conv!r}")
        if self.patience < 1:
            raise InputError("patience must be at least 1")
        if not 1 <= self.top_k <= 1000:
            raise InputError("top_k must be between 1 and 1000")
        if self.min_count < 0 or self.top_k_relations < 0:
            raise InputError("min_count and top_k_relations must be >= 0")
        if not (0 < self.val_ratio < 0.5 and 0 < self.test_ratio < 0.5):
            raise InputError("val_ratio and test_ratio must each lie between 0 and 0.5")
        if self.holdout not in ("auto", "time", "random"):
            raise InputError(f"holdout must be auto, time or random, not {self.holdout!r}")
        if not 0 <= self.contrast_weight <= 100:
            raise InputError("contrast_weight must lie in 0..100")
        if self.max_step_edges < 1000 or self.memory_gb <= 0:
            raise InputError("max_step_edges must be at least 1000 and memory_gb positive")
        object.__setattr__(self, "relation_types", tuple(observed_types(list(self.relation_types))
                                                         if self.relation_types else ()))

    def relation_filter(self):
        from relmine.learn.pull import RelationFilter

        return RelationFilter(min_count=self.min_count, top_k=self.top_k_relations)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainSpec":
        raw = {k: v for k, v in json.loads(text).items() if k not in _RETIRED}
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise InputError(f"unknown training parameters: {sorted(unknown)}")
        raw["relation_types"] = tuple(raw.get("relation_types", ()))
        raw.setdefault("conv", "gatv2")  # a run recorded before the spec had it trained GATv2
        raw.setdefault("holdout", "random")  # ... and held out a random slice
        return cls(**raw)
