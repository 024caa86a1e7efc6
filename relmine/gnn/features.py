"""Node features from what the product graph holds: text, category, price, degree.

Everything is hashed, nothing is fitted or downloaded: the same product gets
the same vector in every partition and every run, and a partition can be
featurised on its own (a fitted TF-IDF vocabulary would differ per
partition).

Layout of a row (``FeatureSpec.dim`` columns)::

    [ text (text_dim) | category (category_dim) | log1p price | price missing | log1p degree ]

* text: title and description, lower-cased word unigrams and bigrams,
  hashed (signed) into ``text_dim`` buckets, sub-linear counts, L2-normalised;
* category: every prefix of the category path (``Electronics``,
  ``Electronics > Camera``, …) hashed into ``category_dim`` buckets, so
  products of related categories share columns;
* price: ``log1p(price) / 5`` and a flag for a missing price;
* degree: ``log1p(degree) / 5`` (the /5 keeps both near unit scale).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from relmine.errors import InputError

_TAG = re.compile(r"<[^>]+>")
_SEP = re.compile(r"\s*(?:>|/|\|)\s*")


@dataclass(frozen=True)
class FeatureSpec:
    """Sizes of the hashed blocks. Keep it fixed for a run: it defines the model's input size."""

    text_dim: int = 256
    category_dim: int = 32
    ngram_max: int = 2

    @property
    def dim(self) -> int:
        return self.text_dim + self.category_dim + 3


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    return _TAG.sub(" ", str(value))


def category_levels(value: Any) -> list[str]:
    """Prefixes of a category path given as a list of levels or a string ``"A > B > C"``."""
    if value is None or value == "":
        return []
    levels = [str(v).strip() for v in value] if isinstance(value, (list, tuple)) else _SEP.split(str(value))
    levels = [_TAG.sub("", lv).strip() for lv in levels]
    levels = [lv for lv in levels if lv]
    return [" > ".join(levels[:i + 1]).lower() for i in range(len(levels))]


def _number(value: Any, field: str, row: int, key: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.strip().lstrip("$€£").replace(",", "")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(f"row {row} ({key}): {field} {value!r} is not a number") from None
    if math.isnan(out):
        return None
    if out < 0:
        raise InputError(f"row {row} ({key}): {field} {out} is negative")
    return out


def node_features(products: Sequence[Mapping[str, Any]], spec: FeatureSpec = FeatureSpec(), *,
                  degrees: Sequence[int] | Mapping[Any, int] | None = None,
                  key: str = "sku") -> torch.Tensor:
    """Feature matrix ``[N, spec.dim]`` (float32) for ``products``, in their order.

    Args:
        products: one mapping per product with optional ``title``,
            ``description`` (str or list), ``category`` (path string or list of
            levels), ``price`` (number or numeric string), ``degree``.
        spec: block sizes (default 256 text + 32 category + 3).
        degrees: degrees by position or by ``key`` value; overrides ``degree``.
        key: the identifying field, used in error messages and to look up ``degrees``.

    Raises:
        InputError: a price or degree that is not a non-negative number,
            naming the row and the product.
    """
    from sklearn.feature_extraction.text import HashingVectorizer

    n = len(products)
    texts = [" ".join([_text(p.get("title")), _text(p.get("description"))]) for p in products]
    text_vec = HashingVectorizer(n_features=spec.text_dim, ngram_range=(1, spec.ngram_max),
                                 alternate_sign=True, norm=None, lowercase=True)
    text = text_vec.transform(texts)
    text.data = np.sign(text.data) * np.log1p(np.abs(text.data))  # sub-linear counts
    norms = np.sqrt(np.asarray(text.multiply(text).sum(axis=1)).ravel())
    text = text.multiply(1.0 / np.maximum(norms, 1e-12)[:, None]).tocsr()

    cat_vec = HashingVectorizer(n_features=spec.category_dim, analyzer=category_levels,
                                alternate_sign=False, norm="l2")
    cats = cat_vec.transform([p.get("category") for p in products])

    dense = np.zeros((n, 3), dtype=np.float32)
    for i, p in enumerate(products):
        ident = p.get(key, i)
        price = _number(p.get("price"), "price", i, ident)
        if price is None:
            dense[i, 1] = 1.0
        else:
            dense[i, 0] = math.log1p(price) / 5.0
        if degrees is None:
            deg = p.get("degree")
        elif isinstance(degrees, Mapping):
            deg = degrees.get(ident, 0)
        else:
            deg = degrees[i]
        deg = _number(deg, "degree", i, ident) or 0.0
        dense[i, 2] = math.log1p(deg) / 5.0
    out = np.hstack([text.toarray(), cats.toarray(), dense]).astype(np.float32)
    return torch.from_numpy(out)


def edge_weight_feature(weights: Sequence[float] | np.ndarray | torch.Tensor) -> torch.Tensor:
    """``log1p`` of raw relation strengths (co-purchase counts), as float32 ``[E]``."""
    w = torch.as_tensor(np.asarray(weights, dtype=np.float32))
    if (w < 0).any():
        raise InputError("edge weights must be non-negative")
    return torch.log1p(w)


def relation_type_ids(types: Sequence[str], vocabulary: Sequence[str]) -> torch.Tensor:
    """Relation-type names to ids ``[E]`` (long) by their position in ``vocabulary``."""
    index = {t: i for i, t in enumerate(vocabulary)}
    try:
        return torch.tensor([index[t] for t in types], dtype=torch.long)
    except KeyError as exc:
        raise InputError(f"relation type {exc.args[0]!r} is not one of {list(vocabulary)}") from None
