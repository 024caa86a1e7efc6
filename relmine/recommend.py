"""Explained recommendations: related products for one product, each with its reasons.

Five sources of evidence are blended; each gives a score in [0, 1] and a kind:

============  ===========================================  ==========  =========================================
source        what                                         kind        score
============  ===========================================  ==========  =========================================
observed      CO_PURCHASED / ALSO_BOUGHT (CO_VIEWED ...)   complement  weight / strongest weight of this product
                                                           (substitute for the *_VIEWED types)
rule          product rule ``{this} => {q}`` of the        complement  ``1 - 1 / lift`` (0 when lift <= 1)
              latest rules run
predicted     ``[:PREDICTED {type, score, run}]``          by type     the model's score, clipped to [0, 1]
embedding     vector-index neighbours of ``p.embedding``   substitute  ``max(0, cosine)``
shared        products sharing co-purchase neighbours      substitute  weighted Jaccard of the neighbourhoods
              (not bought together themselves): a motif
============  ===========================================  ==========  =========================================

A product's blended score is the weighted sum over its evidence of the
requested kind; its ``reason`` joins the reasons of that evidence, and
``evidence`` keeps every item as structured data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from relmine.errors import InputError, NotFound, QueryError
from relmine.relations import KIND as RELATION_KIND
from relmine.gateway import Gateway
from relmine.names import display_name
from relmine.runid import check_run_id
from relmine.runs import latest_run

log = logging.getLogger(__name__)

KINDS = ("complement", "substitute", "any")
SUBSTITUTE_TYPES = {"CO_VIEWED", "ALSO_VIEWED", "SUBSTITUTE", "SUBSTITUTES"}
MIN_SHARED = 0.05  # weighted Jaccard below this is noise, not a substitute
MAX_REASONS = 3  # in the reason string; ``evidence`` keeps all
DEFAULT_WEIGHTS = {"observed": 1.0, "rule": 1.0, "predicted": 1.0, "embedding": 1.0, "shared": 0.5}


@dataclass
class Evidence:
    source: str
    kind: str
    score: float
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "score": round(self.score, 6),
                "reason": self.reason, **self.details}


@dataclass
class Recommendation:
    sku: str
    title: str | None
    score: float
    kind: str
    reason: str
    evidence: list[Evidence]

    def as_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "title": self.title, "score": round(self.score, 6), "kind": self.kind,
                "reason": self.reason, "evidence": [e.as_dict() for e in self.evidence]}


@dataclass
class RecommendResult:
    sku: str
    title: str | None
    kind: str
    items: list[Recommendation]
    notes: list[str] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)


def _kind_of_type(rel_type: str | None) -> str:
    t = (rel_type or "").upper()
    if t in RELATION_KIND:
        return "complement" if RELATION_KIND[t] == "related" else RELATION_KIND[t]
    return "substitute" if t in SUBSTITUTE_TYPES or "SUBST" in t or "VIEW" in t else "complement"


PINNED_TRIES = 3  # a recommendation read across a switch is read again, pinned to the new current run


def recommend(gw: Gateway, sku: str, *, k: int = 10, kind: str = "any", rules_run_id: str | None = None,
              weights: dict[str, float] | None = None, fanout: int = 50) -> RecommendResult:
    """Up to ``k`` products related to ``sku`` of the given ``kind``, best first, each explained.

    Everything a training run wrote (predicted relations, vectors, attention) is read of one run: the
    current one when the call starts (:mod:`relmine.learn.switch`). When another run became current while
    it read, it reads again, pinned to that one, so the answer never combines two runs."""
    from relmine.learn.switch import current_run

    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if not isinstance(k, int) or not 1 <= k <= 1000:
        raise InputError(f"k must be an integer in 1..1000, got {k!r}")
    sku = (sku or "").strip()
    if not sku:
        raise InputError("give a product sku")
    if rules_run_id is not None:
        check_run_id(rules_run_id)  # the one check of the given id
    current = current_run(gw)
    for _ in range(PINNED_TRIES):
        result = _recommend_of_run(gw, sku, current, k=k, kind=kind, rules_run_id=rules_run_id, weights=weights,
                                   fanout=fanout)
        now = current_run(gw)
        if now == current:
            break
        current = now
    return result


class _Found:
    """The evidence gathered for one product, per related sku, and the notes on what was skipped."""

    def __init__(self) -> None:
        self.evidence: dict[str, list[Evidence]] = {}
        self.titles: dict[str, str | None] = {}
        self.sources: dict[str, int] = {}
        self.notes: list[str] = []

    def add(self, row: dict, ev: Evidence) -> None:
        self.titles[row["sku"]] = row.get("title")
        self.evidence.setdefault(row["sku"], []).append(ev)
        self.sources[ev.source] = self.sources.get(ev.source, 0) + 1


def _recommend_of_run(gw: Gateway, sku: str, current: dict | None, *, k: int, kind: str, rules_run_id: str | None,
                      weights: dict[str, float] | None, fanout: int) -> RecommendResult:
    """:func:`recommend` with the training run's results of ``current`` (:func:`relmine.learn.switch.current_run`)."""
    run_id, prop = (current["run"], current["property"]) if current else (None, "embedding")
    pinned = {"run_id": run_id, "property": prop}
    product = gw.read_one("recommend/find_product", {"sku": sku, **pinned})
    if product is None:
        near = [r["sku"] for r in gw.read("recommend/suggest_skus", {"text": sku[:40], "limit": 5})]
        hint = f"; did you mean {', '.join(repr(s) for s in near)}?" if near else ""
        raise NotFound(f"unknown product sku {sku!r}{hint}")
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    limit = max(50, 5 * k)
    found = _Found()
    _observed_evidence(gw, sku, run_id, limit, found)
    _rule_evidence(gw, sku, product["title"], rules_run_id, limit, found)
    _predicted_evidence(gw, sku, run_id, limit, found)
    if not product["has_embedding"]:
        found.notes.append("this product has no embedding: vector neighbours skipped (train the GNN and write "
                           "embeddings)")
    else:
        _embedding_evidence(gw, sku, pinned, limit, found)
    _shared_evidence(gw, sku, run_id, fanout, limit, found)
    items = _blend(found, kind, w)
    if not items:
        found.notes.append(f"no {kind if kind != 'any' else ''} evidence for {sku!r}: nothing to recommend"
                           .replace("  ", " "))
    return RecommendResult(sku, product["title"], kind, items[:k], found.notes, found.sources)


def _observed_evidence(gw: Gateway, sku: str, run_id: str | None, limit: int, found: _Found) -> None:
    """Observed relations, scored against this product's strongest weight."""
    observed = gw.read("recommend/observed_neighbours", {"sku": sku, "run_id": run_id, "limit": limit})
    top = max((r["weight"] or 0.0 for r in observed), default=0.0) or 1.0
    for r in observed:
        count = f"{r['count']} orders" if r["count"] is not None else "observed data"
        att = f", attention {r['attention']:.2f}" if r.get("attention") is not None else ""
        found.add(r, Evidence("observed", _kind_of_type(r["type"]), float(r["weight"] or 0.0) / top,
                              f"{r['type'].lower().replace('_', '-')} with it in {count} "
                              f"(weight {r['weight']:.3g}{att})",
                              {"type": r["type"], "count": r["count"], "weight": r["weight"],
                               "attention": r["attention"]}))
    if not observed:
        found.notes.append("no observed relations for this product")


def _rule_evidence(gw: Gateway, sku: str, title: str | None, rules_run_id: str | None, limit: int,
                   found: _Found) -> None:
    """Product rules ``{sku} => {q}`` of ``rules_run_id`` (default: the latest rules run)."""
    rules = rules_run_id or latest_run(gw, "rules", level="product")
    if rules is None:
        found.notes.append("no rules run yet (run `relmine rules`): rule evidence skipped")
        return
    for r in gw.read("recommend/rule_consequents", {"sku": sku, "run_id": rules, "limit": limit}):
        lift = float(r["lift"])
        found.add(r, Evidence("rule", "complement", max(0.0, 1.0 - 1.0 / lift) if lift > 0 else 0.0,
                              f"rule {display_name(sku, title)} => {display_name(r['sku'], r['title'])} "
                              f"(lift {lift:.2f}, confidence {r['confidence']:.2f}, support {r['support']:.3g})",
                              {"rule": r["rule"], "lift": lift, "confidence": r["confidence"],
                               "support": r["support"], "run": rules}))


def _predicted_evidence(gw: Gateway, sku: str, run_id: str | None, limit: int, found: _Found) -> None:
    """The model's predicted relations, their scores clipped to [0, 1]."""
    predicted = gw.read("recommend/predicted_relations", {"sku": sku, "run_id": run_id, "limit": limit})
    for r in predicted:
        score = min(1.0, max(0.0, float(r["score"] or 0.0)))
        rel_kind = _kind_of_type(r["type"])
        found.add(r, Evidence("predicted", rel_kind, score,
                              f"predicted {rel_kind} ({r['type']}, score {score:.2f}, "
                              f"run {', '.join(map(str, r['runs']))})",
                              {"type": r["type"], "model_score": r["score"], "runs": r["runs"]}))
    if not predicted:
        found.notes.append("no predicted relations for this product (train the GNN to add them)")


def _embedding_evidence(gw: Gateway, sku: str, pinned: dict[str, Any], limit: int, found: _Found) -> None:
    """Vector neighbours of the product's embedding (``pinned``: the run and property), through the vector
    index, else an exact scan."""
    index = gw.read_one("recommend/vector_index", {"property": pinned["property"]})
    try:
        if index:
            rows = gw.read("recommend/vector_neighbours", {"sku": sku, "index": index["name"], "k": limit, **pinned})
        else:
            found.notes.append(f"no vector index on Product.{pinned['property']}: exact scan used")
            rows = gw.read("recommend/vector_neighbours_scan", {"sku": sku, "k": limit, **pinned})
    except QueryError as exc:
        found.notes.append(f"vector neighbours skipped: {exc}")
        rows = []
    for r in rows:
        cosine = 2.0 * float(r["score"]) - 1.0
        found.add(r, Evidence("embedding", "substitute", max(0.0, cosine),
                              f"close in embedding space (cosine {cosine:.3f})",
                              {"cosine": cosine, "run": pinned["run_id"]}))


def _shared_evidence(gw: Gateway, sku: str, run_id: str | None, fanout: int, limit: int, found: _Found) -> None:
    """Products bought with the same products but never with this one (weighted Jaccard of at least
    :data:`MIN_SHARED`)."""
    for r in gw.read("recommend/shared_neighbours", {"sku": sku, "run_id": run_id, "fanout": fanout, "limit": limit}):
        jaccard = float(r["weighted_jaccard"] or 0.0)
        if r["direct"] or jaccard < MIN_SHARED:
            continue
        via = ", ".join(display_name(v["sku"], v["title"]) for v in r["via"])
        path = f", attention-weighted path {r['path_score']:.3g}" if r["attention"] else ""
        found.add(r, Evidence("shared", "substitute", jaccard,
                              f"bought with the same {r['shared']} products (e.g. {via}), never together "
                              f"(weighted Jaccard {jaccard:.2f}{path})",
                              {"shared": r["shared"], "weighted_jaccard": jaccard, "via": r["via"],
                               "path_score": r["path_score"]}))


def _blend(found: _Found, kind: str, w: dict[str, float]) -> list[Recommendation]:
    """Every related product with evidence of ``kind``, scored by the weighted sum of it, best first."""
    items = []
    for q, evs in found.evidence.items():
        chosen = [e for e in evs if kind == "any" or e.kind == kind]
        if not chosen:
            continue
        chosen.sort(key=lambda e: -w.get(e.source, 1.0) * e.score)
        score = sum(w.get(e.source, 1.0) * e.score for e in chosen)
        kinds = {e.kind for e in chosen}
        items.append(Recommendation(q, found.titles.get(q), score, kinds.pop() if len(kinds) == 1 else "mixed",
                                    "; ".join(e.reason for e in chosen[:MAX_REASONS]), chosen))
    items.sort(key=lambda r: (-r.score, r.sku))
    return items
