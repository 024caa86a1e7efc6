"""Returns, cancellations and service lines of order files: the rules, in one place.

**Returns.** An order line is a return when any of these holds:

* its order id matches the cancellation pattern (``--cancel-pattern``, default
  ``^C`` — UCI Online Retail's ``C536379``); the whole invoice is a return;
* its quantity is negative (``-3``: three units came back);
* a mapped ``kind`` / ``status`` column says so (``--return-kinds``, default
  ``return|refund|cancel``, matched case-insensitively anywhere in the value).

Return lines are kept, not rejected: they become ``(:Order {kind: 'return'})``
with ``CONTAINS {qty}`` (units returned, positive). A return line of an order
whose id does not mark it (a negative line inside a sale) goes to the order
``<id>:return``. Returns add to ``p.return_count`` (return orders holding the
product), ``p.return_rate = return_count / order_count`` and, for two products
returned in the same return order, ``RETURNED_TOGETHER {count}`` (lower sku to
higher). They never feed ``CO_PURCHASED``, ``order_count`` or the order
statistics.

**Service lines** (postage, fees, discounts, manual adjustments, samples) are
recognised by

* the sku matching ``--service-codes`` (:data:`SERVICE_CODES`), or
* more than half of its lines' descriptions matching ``--service-pattern`` (:data:`SERVICE_TEXT`: the
  description starts with a service word), or
* data: every priced line of the sku in the file has a price of zero or less (at least two lines, or
  a negative price), or
  the sku sits in more than ``--service-share`` (default 0.5) of the file's sale
  orders and has no category in the graph.

Their lines are dropped from the orders (no product, no ``CONTAINS``, no
relations) unless ``--keep-service-lines``; either way the summary counts them
(``service lines``) and lists every detected sku with its rule
(``service <sku> (<rule>)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from relmine.errors import InputError

CANCEL_PATTERN = r"^C"
RETURN_KINDS = r"return|refund|cancel"
#: Online Retail's non-product stock codes and common equivalents.
SERVICE_CODES = (r"^(POST|DOT|M|C2|D|S|B|CRUK|PADS|BANK ?CHARGES|AMAZONFEE|ADJUST\w*|SHIPPING|DELIVERY|FEE|"
                 r"DISCOUNT|SAMPLES?|gift_\d+_\d+)$")
SERVICE_TEXT = (r"^\W*(postage|carriage|next day carriage|shipping|delivery( charges?)?|bank charges?|manual|"
                r"adjust(ment)?|amazon fee|marketplace fee|commission|discount|samples?|gift voucher|voucher)\b")
SERVICE_SHARE = 0.5
#: the data-driven share rule needs at least this many sale orders in the file
SHARE_MIN_ORDERS = 50


def compile_pattern(option: str, text: str | None) -> re.Pattern | None:
    """An option's regular expression (case-insensitive); ``""`` turns the rule off."""
    if not text:
        return None
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error as exc:
        raise InputError(f"{option} {text!r} is not a valid regular expression ({exc})") from exc


@dataclass
class ServiceStats:
    """Per-sku evidence for the data-driven rules, gathered while reading."""

    priced: dict[str, int] = field(default_factory=dict)       # lines with a price
    free: dict[str, int] = field(default_factory=dict)         # of those, price <= 0
    negative: set[str] = field(default_factory=set)            # skus with a price below zero
    described: dict[str, int] = field(default_factory=dict)    # lines with a description
    worded: dict[str, int] = field(default_factory=dict)       # of those, matching the service pattern

    def price(self, sku: str, price: float | None) -> None:
        if price is None:
            return
        self.priced[sku] = self.priced.get(sku, 0) + 1
        if price <= 0:
            self.free[sku] = self.free.get(sku, 0) + 1
            if price < 0:
                self.negative.add(sku)

    def text(self, sku: str, hit: bool) -> None:
        self.described[sku] = self.described.get(sku, 0) + 1
        if hit:
            self.worded[sku] = self.worded.get(sku, 0) + 1

    def unpriced(self) -> set[str]:
        """Skus whose every priced line costs zero or less, with at least two such lines or a negative
        price (one free line is a giveaway of a real product as often as not)."""
        return {s for s, n in self.free.items()
                if n == self.priced.get(s) and (n >= 2 or s in self.negative)}

    def by_description(self) -> set[str]:
        """Skus more than half of whose described lines match the service pattern (a real product with
        one line relabelled "adjustment" stays a product)."""
        return {s for s, n in self.worded.items() if 2 * n > self.described[s]}


def share_candidates(order_counts: dict[str, int], n_orders: int, share: float) -> set[str]:
    """Skus in more than ``share`` of ``n_orders`` sale orders (only with enough orders to tell)."""
    if share <= 0 or share >= 1 or n_orders < SHARE_MIN_ORDERS:
        return set()
    return {s for s, n in order_counts.items() if n > share * n_orders}


__all__ = ["CANCEL_PATTERN", "RETURN_KINDS", "SERVICE_CODES", "SERVICE_TEXT", "SERVICE_SHARE", "compile_pattern",
           "ServiceStats", "share_candidates"]
