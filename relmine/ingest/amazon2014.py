"""Amazon product metadata in the 2014 format (McAuley et al., SIGIR/KDD 2015).

One *Python dict literal* a line (single quotes, not JSON)::

    {'asin': '5555991584', 'title': 'Memory of Trees', 'price': 9.49,
     'related': {'also_bought': [...], 'also_viewed': [...], 'bought_together': [...],
                 'buy_after_viewing': [...]},
     'salesRank': {'Music': 12345}, 'categories': [['CDs & Vinyl', 'New Age'], [...]],
     'description': '...', 'brand': '...'}

Lines are parsed with :func:`ast.literal_eval` (literals only: no names, calls, attribute access or
operators are evaluated), behind a size limit per line, and only a ``dict`` is accepted. A parsed
record is then *normalised* into the 2018 shape that :func:`relmine.ingest.readers.read_amazon_meta`
consumes, so both formats share one path (cleaning, rejects, links).

Relation types (McAuley et al. 2015, "Inferring networks of substitutable and complementary
products", treat "also viewed" and "bought after viewing" as substitute evidence, "also bought"
and "bought together" as complement evidence):

============================  ===============  ==============  ==============================================
2014 ``related`` key          2018 key         relation type   kind and why
============================  ===============  ==============  ==============================================
``also_bought``               ``also_buy``     ``ALSO_BOUGHT`` complement-like: bought by the same customers
``bought_together``           (extra)          ``COMPLEMENT``  complement: bought in one order, the
                                                               strongest complement signal
``also_viewed``               ``also_view``    ``ALSO_VIEWED`` substitute-like: looked at by the same customers
``buy_after_viewing``         (extra)          ``SUBSTITUTE``  substitute: viewed this, then bought that
                                                               instead, the strongest substitute signal
============================  ===============  ==============  ==============================================
"""

from __future__ import annotations

import ast
from typing import Any

MAX_LINE_CHARS = 2_000_000  # the longest line of the real Digital Music file has 5,559 characters
# (2014 related key, key of the normalised record, relation type); the normalised keys are what
# read_amazon_meta turns into links (see readers.LINK_FIELDS).
RELATED = (
    ("also_bought", "also_buy", "ALSO_BOUGHT"),
    ("also_viewed", "also_view", "ALSO_VIEWED"),
    ("bought_together", "bought_together", "COMPLEMENT"),
    ("buy_after_viewing", "buy_after_viewing", "SUBSTITUTE"),
)
LINK_FIELDS = tuple((key, rel) for _, key, rel in RELATED)
KIND = {"ALSO_BOUGHT": "complement", "COMPLEMENT": "complement", "ALSO_VIEWED": "substitute",
        "SUBSTITUTE": "substitute"}


def parse_literal(text: str, *, max_chars: int = MAX_LINE_CHARS) -> dict:
    """A 2014 line as a dict; :class:`ValueError` with the reason for anything else.

    Never evaluates code: :func:`ast.literal_eval` accepts only literals, so a line such as
    ``{'asin': __import__('os').system('...')}`` is rejected, not run.
    """
    if len(text) > max_chars:
        raise ValueError(f"line of {len(text):,} characters is over the limit of {max_chars:,}")
    try:
        obj = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        reason = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        raise ValueError(f"not a Python literal: {reason[:120]}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"not a dict literal but a {type(obj).__name__}")
    return obj


def _paths(value: Any) -> list[list[str]]:
    """``categories`` as a list of paths (each a list of level names); malformed entries dropped."""
    if not isinstance(value, list):
        return []
    out = []
    for path in value:
        if isinstance(path, list | tuple):
            levels = [x for x in path if isinstance(x, str)]
            if levels and len(levels) == len(path):
                out.append(levels)
    return out


def normalise(obj: dict) -> dict:
    """A 2014 record in the 2018 shape (``category``, ``categories``, ``also_buy``, ``description`` list,
    ``rank`` text), plus ``bought_together`` / ``buy_after_viewing`` link lists. Fields of a wrong type
    are dropped, not trusted; a record already in the 2018 shape passes through unchanged."""
    if "related" not in obj and "categories" not in obj and "salesRank" not in obj:
        return obj
    out: dict[str, Any] = {k: obj[k] for k in ("asin", "title", "brand", "price") if k in obj}
    description = obj.get("description")
    if isinstance(description, str):
        out["description"] = [description]
    paths = _paths(obj.get("categories"))
    if paths:
        out["category"] = paths[0]          # the first path is Amazon's primary one
        out["categories"] = paths
    rank = obj.get("salesRank")
    if isinstance(rank, dict):
        ranks = [(v, k) for k, v in rank.items() if isinstance(v, int) and not isinstance(v, bool) and v >= 0]
        if ranks:
            value, where = min(ranks)
            out["rank"] = f"{value} in {where}" if isinstance(where, str) else str(value)
    related = obj.get("related")
    if isinstance(related, dict):
        for old, new, _ in RELATED:
            targets = related.get(old)
            if isinstance(targets, list | tuple):
                out[new] = [t for t in targets if isinstance(t, str)]
    return out
