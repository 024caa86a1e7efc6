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
# conv "auto" (GATv2 everywhere until session 11): the original GAT layer on a graph of one relation
# type, GATv2 on several (resolve_conv). On Amazon Photo (one type) GAT scores as well as GATv2
# (relmine evaluate, 3 seeds) and trains about 1.7x as many edges per second (bench/train.py: the full
# recipe at 0.76x the bare PyG loop instead of about 0.40x); on Gift Cards' two kinds GATv2 ranks
# held-out also-viewed pairs far better (bench/typed.py, Hits@50 0.874 vs 0.582): its attention can
# depend on the relation type and both ends together, GAT's only on each separately (docs/evaluate.md).
MODEL: dict = dict(hidden_channels=64, num_layers=2, heads=4, use_edge_weight=False, dropout=0.1, conv="auto")
CONVS = ("auto", "gat", "gatv2")
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
# epoch_positives / dense_fanout (issue 26 item 5): a dense co-purchase graph (Online Retail before
# 2011-09-01: 3.5k products, 428k training pairs, mean degree 242) swept all its pairs per epoch, 27 steps of
# about 8 s on the whole graph, so 100 epochs with patience 20 were out of reach on 2 cores. An epoch is
# now a fresh sample of at most 131,072 training pairs (8 steps; Photo's 101k are under it and sweep all as
# before), and a graph whose mean degree is over 64 (Photo: 26) encodes each step on a node-wide sample of
# up to 64 incoming edges per node (bench/train_dense.py measures both against the old settings).
TRAIN: dict = dict(epochs=100, batch_size=16384, lr=0.005, negatives_per_positive=2,
                   hard_negative_ratio=0.0, patience=20, max_step_edges=1_000_000, fanouts=(10, 5),
                   least_fanout=2, epoch_positives=131_072, dense_fanout=64)
# Held-out slices (share of related product pairs), and the most pairs scored per slice
SPLIT: dict = dict(val_ratio=0.05, test_ratio=0.10, mrr_negatives=100, max_eval=20_000)


def resolve_conv(conv: str | None, num_relations: int) -> str:
    """The attention layer for a graph of ``num_relations`` relation types: ``auto`` (the default) is
    ``gat`` on one type and ``gatv2`` on several."""
    conv = conv or MODEL["conv"]
    if conv not in CONVS:
        raise ValueError(f"conv must be one of {CONVS}, got {conv!r}")
    if conv == "auto":
        return "gat" if num_relations <= 1 else "gatv2"
    return conv


def model_kwargs(*, hidden: int | None = None, conv: str | None = None, heads: int | None = None,
                 layers: int | None = None, num_relations: int = 1) -> dict:
    """:data:`MODEL` with an optional other embedding size, attention layer, heads or depth; the
    attention layer resolved for a graph of ``num_relations`` types (:func:`resolve_conv`)."""
    return {**MODEL, "hidden_channels": hidden or MODEL["hidden_channels"],
            "conv": resolve_conv(conv, num_relations),
            "heads": heads or MODEL["heads"], "num_layers": layers or MODEL["num_layers"]}


def train_config(*, epochs: int | None = None, device: str = "auto", progress: bool = True,
                 **overrides) -> TrainConfig:
    """:data:`TRAIN` as a :class:`TrainConfig`, with optional maximum epochs, device and other fields."""
    from relmine.gnn.train import TrainConfig

    values = {**TRAIN, "epochs": epochs or TRAIN["epochs"], **{k: v for k, v in overrides.items() if v is not None}}
    return TrainConfig(**values, device=device, progress=progress)
