"""relmine: product relationship mining with graph neural networks on Neo4j."""

__version__ = "0.1.0"
