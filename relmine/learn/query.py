"""Reading back what training wrote: nearest products and predicted relations."""

from __future__ import annotations

from relmine.errors import InputError, NotFound
from relmine.gateway import Gateway


def _check(gw: Gateway, sku: str, k: int, need_embedding: bool) -> None:
    if not 1 <= k <= 1000:
        raise InputError("k must be between 1 and 1000")
    row = gw.read_one("learn/product_has_embedding", {"sku": sku})
    if row is None:
        raise NotFound(f"no product with sku {sku!r}")
    if need_embedding and not row["has_embedding"]:
        raise NotFound(f"product {sku!r} has no embedding yet: run `relmine train --wait` first")


def nearest(gw: Gateway, sku: str, k: int = 10) -> list[dict]:
    _check(gw, sku, k, True)
    return gw.read("learn/nearest_products", {"sku": sku, "k": k})


def predicted_for(gw: Gateway, sku: str, k: int = 10) -> list[dict]:
    _check(gw, sku, k, False)
    return gw.read("learn/predicted_for_product", {"sku": sku, "k": k})
