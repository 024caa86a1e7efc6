"""The old name of :mod:`relmine.gnn.edges`, kept only while ``relmine/learn/blend.py`` and
``relmine/learn/writeback.py`` (edited on other branches) still import ``Adjacency`` from here: their four
import lines move to :mod:`relmine.gnn.edges`, and this file goes."""

from relmine.gnn.edges import Adjacency  # noqa: F401
