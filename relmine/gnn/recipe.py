"""The model and training recipe measured for held-out link prediction.

One definition shared by ``relmine evaluate`` and ``bench/evaluate_photo.py``
(see :mod:`relmine.gnn.train` for why each training choice was made).
Checkpoints written under this recipe resume only under the same recipe:
:func:`relmine.gnn.train.train` refuses a checkpoint whose settings differ
(except epochs, patience and device).
"""

from __future__ import annotations

from relmine.gnn.train import TrainConfig

# GATLinkPredictor arguments after ``in_channels``
MODEL: dict = dict(hidden_channels=64, num_layers=2, heads=4, use_edge_weight=False, dropout=0.1)
# TrainConfig fields
TRAIN: dict = dict(epochs=50, batch_size=16384, lr=0.005, negatives_per_positive=2,
                   hard_negative_ratio=0.0, patience=10)


def model_kwargs(*, hidden: int | None = None, conv: str = "gatv2") -> dict:
    """:data:`MODEL` with an optional other embedding size and attention layer."""
    return {**MODEL, "hidden_channels": hidden or MODEL["hidden_channels"], "conv": conv}


def train_config(*, epochs: int | None = None, device: str = "auto", progress: bool = True) -> TrainConfig:
    """:data:`TRAIN` as a :class:`TrainConfig`, with optional maximum epochs and device."""
    return TrainConfig(**{**TRAIN, "epochs": epochs or TRAIN["epochs"]}, device=device, progress=progress)
