"""How a product is named to people: its readable title with the SKU, or the SKU alone.

A title is *readable* when it is text with at least one letter or digit that is not just the SKU again
(basket files give products their item name as SKU and title). Titles may be null after HTML cleaning
(a title that was only markup), so every caller falls back here in one way.
"""

from __future__ import annotations

import re
from typing import Any

_WORD = re.compile(r"\w", re.UNICODE)
MAX_TITLE = 70


def readable_title(title: Any, sku: Any = None) -> str | None:
    """The title, whitespace collapsed and cut to :data:`MAX_TITLE` characters, or ``None``."""
    if not isinstance(title, str):
        return None
    text = " ".join(title.split())
    if not text or not _WORD.search(text) or (sku is not None and text == str(sku).strip()):
        return None
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def display_name(sku: Any, title: Any = None) -> str:
    """``"Whole Milk 1L (21231)"``; ``"21231"`` when the product has no readable title."""
    name = readable_title(title, sku)
    sku_text = "" if sku is None else str(sku)
    return f"{name} ({sku_text})" if name and sku_text else (name or sku_text)
