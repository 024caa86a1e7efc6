"""Loading the public graphs of ``../shared/data`` as PyG ``Data``."""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.data import Data

from relmine.errors import InputError


def load_amazon_photo(path: str | os.PathLike) -> Data:
    """Amazon Photo (Shchur et al. 2018) from its pickle-free ``.npz``.

    Returns ``Data(x [N, 745] float, edge_index [2, E] symmetric without
    self-loops or duplicates, y [N], num_nodes)`` plus ``class_names``.
    """
    try:
        d = np.load(path, allow_pickle=False)
        shape = tuple(int(v) for v in d["adj_shape"])
        adj = sp.csr_matrix((d["adj_data"], d["adj_indices"], d["adj_indptr"]), shape=shape)
        attr = sp.csr_matrix((d["attr_data"], d["attr_indices"], d["attr_indptr"]),
                             shape=tuple(int(v) for v in d["attr_shape"]))
        labels, names = d["labels"], d["class_names"]
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"{path}: not an Amazon Photo npz ({exc})") from exc
    sym = ((adj + adj.T) > 0).astype(np.float32).tolil()
    sym.setdiag(0)
    sym = sym.tocoo()
    keep = sym.data > 0
    edge_index = torch.from_numpy(np.stack([sym.row[keep], sym.col[keep]]).astype(np.int64))
    data = Data(x=torch.from_numpy(attr.toarray().astype(np.float32)), edge_index=edge_index,
                y=torch.from_numpy(labels.astype(np.int64)), num_nodes=shape[0])
    data.class_names = [str(n) for n in names]
    return data
