"""Representation learning on the product graph: features, GAT model, training, evaluation.

Pure PyTorch / PyTorch Geometric: functions take ``Data`` objects and tensors
and return tensors; extraction from Neo4j and write-back live elsewhere.
"""

from relmine.gnn.features import FeatureSpec, node_features
from relmine.gnn.graph import Adjacency, LinkSplit, split_edges
from relmine.gnn.model import GATEncoder, GATLinkPredictor, LinkDecoder
from relmine.gnn.train import PairSet, TrainConfig, TrainResult, embed, score_pairs, train

__all__ = [
    "Adjacency", "FeatureSpec", "GATEncoder", "GATLinkPredictor", "LinkDecoder", "LinkSplit",
    "PairSet", "TrainConfig", "TrainResult", "embed", "node_features", "score_pairs",
    "split_edges", "train",
]
