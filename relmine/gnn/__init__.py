"""Representation learning on the product graph: features, GAT model, training, evaluation.

Pure PyTorch / PyTorch Geometric: functions take ``Data`` objects, tensors and
plain rows and return tensors; nothing here imports :mod:`relmine.learn` or the
gateway (``tests/unit/test_layout.py``): reading Neo4j and writing back live in
:mod:`relmine.learn`.
The names below load on first use, so ``relmine.gnn.recipe`` (read by the
CLI for its defaults) does not import torch.
"""

from importlib import import_module

_WHERE = {
    "node_features": "features",
    "Adjacency": "edges", "LinkSplit": "edges", "split_edges": "edges",
    "GATEncoder": "model", "GATLinkPredictor": "model", "LinkDecoder": "model",
    "PairSet": "train", "TrainConfig": "train", "TrainResult": "train", "embed": "train",
    "score_pairs": "train", "train": "train",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f"relmine.gnn.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'relmine.gnn' has no attribute {name!r}")
