"""Node features from what the graph holds: the one feature builder of every run.

Hashed title words and category path levels, log price (and a has-price flag), log degree, from plain
rows (``title``, ``category``, ``price``, ``degree``); nothing is downloaded. ``relmine train``'s pull
(:mod:`relmine.learn.pull`), the write-back's subgraphs and ``relmine evaluate --typed`` all build
their features here.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def node_features(rows: list[dict], text_dim: int) -> torch.Tensor:
    """Features from what the graph holds: hashed title words and category path levels,
    log price (and a has-price flag), log degree. Nothing is downloaded."""
    from sklearn.feature_extraction.text import HashingVectorizer

    titles = [(r.get("title") or "") for r in rows]
    cats = [" ".join(f"cat_{lvl.strip().lower().replace(' ', '_')}"
                     for lvl in str(r.get("category") or "").split(">") if lvl.strip()) for r in rows]
    vec = HashingVectorizer(n_features=text_dim, alternate_sign=False, norm="l2", token_pattern=r"(?u)\b\w\w+\b")
    text = vec.transform([f"{t} {c}" for t, c in zip(titles, cats)]).toarray().astype(np.float32)
    price = np.array([_num(r.get("price")) for r in rows], dtype=np.float32)
    has_price = (~np.isnan(price)).astype(np.float32)
    log_price = np.where(has_price > 0, np.log1p(np.nan_to_num(price)), 0.0).astype(np.float32)
    degree = np.log1p(np.array([r.get("degree") or 0 for r in rows], dtype=np.float32))
    numeric = np.stack([log_price / 10.0, has_price, degree / 5.0], axis=1)
    return torch.from_numpy(np.concatenate([text, numeric], axis=1))


def _num(value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) and v >= 0 else math.nan
