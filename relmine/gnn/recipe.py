"""The one model and training recipe: ``relmine train`` and ``relmine evaluate`` both build from it.

``relmine train`` (:class:`relmine.learn.spec.TrainSpec`, whose defaults are
read from here), ``relmine evaluate``, ``bench/evaluate_photo.py`` and
``bench/train.py`` take the model and its training settings from this file
and nowhere else (see :mod:`relmine.gnn.train` for why each training choice
was made). Checkpoints written under this recipe resume only under the same
recipe: :func:`relmine.gnn.train.train` refuses a checkpoint whose settings
differ (except epochs, patience, device and the step budget).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported only when a config is built: the CLI reads defaults from here
    from relmine.gnn.train import TrainConfig

# GATLinkPredictor arguments after ``in_channels`` (and ``num_relations``, which is the data's)
# conv "gat" (was "gatv2" until session 11): on Amazon Photo the original GAT layer scores as well as
# GATv2 (relmine evaluate, 3 seeds; docs/evaluate.md) and trains about 1.6x as many edges per second
# (bench/train.py), which brings the full recipe over half the bare PyG loop's rate.
MODEL: dict = dict(hidden_channels=64, num_layers=2, heads=4, use_edge_weight=False, dropout=0.1, conv="gat")
# TrainConfig fields
# Patience 20 (was 10): validation Hits@50 on Photo plateaus for 10+ epochs and then climbs again
# (seed 2: 0.795 at epoch 12, 0.802 at 23); patience 10 stopped that seed at epoch 22. A learning
# rate halved after every 5 epochs without gain was tried and dropped: seeds 0 and 1 stalled at
# their epoch-30 and -26 validation best, where a fixed rate had kept improving to 36 and 40.
# max_step_edges / fanouts: the memory budget of one step (about 2.8 KB per message-passing edge,
# so about 2.8 GB at 1M): a graph within it (Photo: 211k) trains on the whole graph every step, as
# measured; a larger one trains on node-wide samples of at least least_fanout incoming edges per
# product (amazon0302: 2), else on 2-hop samples of fanouts around each batch, and is embedded exactly,
# layer-wise.
TRAIN: dict = dict(epochs=100, batch_size=16384, lr=0.005, negatives_per_positive=2,
                   hard_negative_ratio=0.0, patience=20, max_step_edges=1_000_000, fanouts=(10, 5),
                   least_fanout=2)
# Held-out slices (share of related product pairs), and the most pairs scored per slice
SPLIT: dict = dict(val_ratio=0.05, test_ratio=0.10, mrr_negatives=100, max_eval=20_000)


def model_kwargs(*, hidden: int | None = None, conv: str | None = None, heads: int | None = None,
                 layers: int | None = None) -> dict:
    """:data:`MODEL` with an optional other embedding size, attention layer, heads or depth."""
    return {**MODEL, "hidden_channels": hidden or MODEL["hidden_channels"], "conv": conv or MODEL["conv"],
            "heads": heads or MODEL["heads"], "num_layers": layers or MODEL["num_layers"]}


def train_config(*, epochs: int | None = None, device: str = "auto", progress: bool = True,
                 **overrides) -> TrainConfig:
    """:data:`TRAIN` as a :class:`TrainConfig`, with optional maximum epochs, device and other fields."""
    from relmine.gnn.train import TrainConfig

    values = {**TRAIN, "epochs": epochs or TRAIN["epochs"], **{k: v for k, v in overrides.items() if v is not None}}
    return TrainConfig(**values, device=device, progress=progress)
