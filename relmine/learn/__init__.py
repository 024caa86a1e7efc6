"""Representation learning on the graph in Neo4j: partition, extract, train, write back.

The model and its training loop live in :mod:`relmine.gnn` (tensors only);
this package moves data between Neo4j and those tensors, and records runs.
"""
