"""The old name of :mod:`relmine.gnn.edges`, kept only while code written on other branches
(``relmine/learn/blend.py``, ``relmine/learn/writeback.py``, the refresh work) still imports from here: once
those imports name :mod:`relmine.gnn.edges`, this file goes."""


def __getattr__(name: str):
    from relmine.gnn import edges

    return getattr(edges, name)
