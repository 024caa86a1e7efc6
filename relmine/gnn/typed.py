"""Typed evaluation: does relmine tell substitutes from complements on real typed data?

Protocol (one run per seed; :func:`evaluate_typed`):

* The typed graph: products and their relations whose type has a kind in :data:`relmine.relations.KIND`
  (complement-like: ``ALSO_BOUGHT``, ``COMPLEMENT``, ``CO_PURCHASED``; substitute-like: ``ALSO_VIEWED``,
  ``SUBSTITUTE``, ``CO_VIEWED``), as unordered pairs, each with the set of relation types it carries.
* Hold-out: for every relation type, ``test_ratio`` of its pairs (and ``val_ratio`` for model
  selection) are removed from the training graph, all their types with them.
* Link ranking per type: Hits@20/50 of the held-out pairs of that type against shared random
  non-edges, for the model (:func:`kind_score`: the existence probability, lowered by the odds of
  that kind when the pair is more likely the other one) and for resource allocation on the training
  graph (a structural reference).
* Kind of a held-out pair (only pairs with one kind; pairs that are both are left out):
  type accuracy and macro-F1 of

  - ``majority``: the most frequent kind among the training pairs;
  - ``content``: logistic regression on pair features (TF-IDF cosine of titles and of descriptions,
    shared category levels, price ratio), fitted on the training pairs;
  - ``structural``: substitute when the two products are co-viewed with a common product (share a
    neighbour through substitute-like relations of the training graph), else complement;
  - ``model``: relmine's GAT link predictor (:class:`relmine.gnn.model.GATLinkPredictor`) trained on the
    training graph with its relation-type head over the two kinds; the head's probability is
    turned into a kind with the threshold that maximises macro-F1 on the validation pairs. The
    content baseline gets the same threshold choice, so neither gains from class imbalance.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torch_geometric.data import Data

from relmine.errors import InputError
from relmine.gnn.metrics import confusion, hits_at_k, macro_f1, type_accuracy
from relmine.relations import KIND

log = logging.getLogger(__name__)

KINDS = ("complement", "substitute")
TYPED = tuple(t for t, k in KIND.items() if k in KINDS)
METHODS = ("majority", "content", "structural", "model")
KS = (20, 50)


@dataclass
class TypedGraph:
    """Products (row ``i`` is ``skus[i]``) and typed unordered pairs ``pairs[j] = (u, v)``, ``u < v``."""

    skus: list[str]
    products: list[dict[str, Any]]        # title, description, category, categories, price
    pairs: np.ndarray                     # [P, 2] int64
    types: list[frozenset[str]]           # relation types of each pair
    relation_types: list[str]             # the typed relation types present, sorted

    @property
    def num_nodes(self) -> int:
        return len(self.skus)

    def kind_mask(self, kind: str) -> np.ndarray:
        return np.array([any(KIND[t] == kind for t in ts) for ts in self.types], dtype=bool)

    def kind_labels(self) -> np.ndarray:
        """``0`` complement, ``1`` substitute, ``-1`` both."""
        comp, sub = self.kind_mask("complement"), self.kind_mask("substitute")
        return np.where(comp & sub, -1, np.where(sub, 1, 0)).astype(np.int64)


def build_typed_graph(products: Sequence[Mapping[str, Any]], relations: Sequence[Mapping[str, Any]]) -> TypedGraph:
    """From rows ``{sku, title, description, category, categories, price}`` and ``{src, dst, type}``."""
    skus = sorted({str(p["sku"]) for p in products})
    index = {s: i for i, s in enumerate(skus)}
    by_sku = {str(p["sku"]): dict(p) for p in products}
    found: dict[tuple[int, int], set[str]] = {}
    for r in relations:
        t = r["type"]
        if t not in TYPED:
            continue
        a, b = index.get(str(r["src"])), index.get(str(r["dst"]))
        if a is None or b is None or a == b:
            continue
        found.setdefault((min(a, b), max(a, b)), set()).add(t)
    if not found:
        raise InputError(f"no typed relations between products (types with a kind: {', '.join(TYPED)}): "
                         "ingest typed data first, e.g. `relmine ingest amazon-meta FILE`")
    keys = sorted(found)
    graph = TypedGraph(skus, [by_sku[s] for s in skus], np.asarray(keys, dtype=np.int64).reshape(-1, 2),
                       [frozenset(found[k]) for k in keys], sorted({t for ts in found.values() for t in ts}))
    kinds = graph.kind_labels()
    if (kinds == 0).sum() < 10 or (kinds == 1).sum() < 10:
        raise InputError(f"typed evaluation needs at least 10 pairs of each kind; found {(kinds == 0).sum()} "
                         f"complement-only and {(kinds == 1).sum()} substitute-only pairs")
    return graph


# -- the split --------------------------------------------------------------------------------------
@dataclass
class TypedSplit:
    train: np.ndarray   # pair indices
    val: np.ndarray
    test: np.ndarray


def split_typed(graph: TypedGraph, seed: int, *, test_ratio: float = 0.2, val_ratio: float = 0.05) -> TypedSplit:
    """Hold out ``test_ratio`` (and ``val_ratio``) of the pairs of every relation type.

    Pairs are grouped by their exact set of types, and every group is cut in the same proportions,
    so each type loses its share (a pair with two types leaves with both)."""
    if not 0 < test_ratio < 1 or not 0 <= val_ratio < 1 or test_ratio + val_ratio >= 1:
        raise InputError(f"bad hold-out shares test={test_ratio}, val={val_ratio}")
    rng = np.random.default_rng(seed)
    groups: dict[frozenset[str], list[int]] = {}
    for i, ts in enumerate(graph.types):
        groups.setdefault(ts, []).append(i)
    train, val, test = [], [], []
    for key in sorted(groups, key=lambda g: sorted(g)):
        idx = np.asarray(groups[key])
        rng.shuffle(idx)
        n_test = int(round(test_ratio * len(idx)))
        n_val = int(round(val_ratio * len(idx)))
        test.append(idx[:n_test])
        val.append(idx[n_test:n_test + n_val])
        train.append(idx[n_test + n_val:])
    cat = lambda parts: np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
    return TypedSplit(cat(train), cat(val), cat(test))


# -- pair features of the content baseline ---------------------------------------------------------
def _levels(p: Mapping[str, Any]) -> list[list[str]]:
    paths = p.get("categories") or ([p["category"]] if p.get("category") else [])
    return [[x.strip() for x in str(path).split(">") if x.strip()] for path in paths]


def shared_levels(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
    """The most leading category levels two products share over all their category paths."""
    best = 0
    for x in _levels(a):
        for y in _levels(b):
            n = 0
            for u, v in zip(x, y):
                if u != v:
                    break
                n += 1
            best = max(best, n)
    return best


def _price(value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) and v > 0 else math.nan


class ContentFeatures:
    """Pair features from product content: TF-IDF cosine of titles, of descriptions, shared category
    levels (and that count over the shallower depth), price ratio min/max with a missing flag."""

    NAMES = ("title_cosine", "description_cosine", "shared_levels", "shared_share", "price_ratio",
             "price_missing")

    def __init__(self, products: Sequence[Mapping[str, Any]]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.products = products
        titles = [str(p.get("title") or "") for p in products]
        descs = [str(p.get("description") or "") for p in products]
        self.title_m = self._tfidf(TfidfVectorizer, titles)
        self.desc_m = self._tfidf(TfidfVectorizer, descs)
        self.price = np.asarray([_price(p.get("price")) for p in products])
        self.depth = np.asarray([max((len(x) for x in _levels(p)), default=0) for p in products])

    @staticmethod
    def _tfidf(cls, docs):
        if not any(d.strip() for d in docs):
            return None
        try:
            return cls(sublinear_tf=True, min_df=1, token_pattern=r"(?u)\b\w\w+\b").fit_transform(docs)
        except ValueError:
            return None

    @staticmethod
    def _cos(m, u, v) -> np.ndarray:
        if m is None:
            return np.zeros(len(u))
        return np.asarray(m[u].multiply(m[v]).sum(axis=1)).ravel()  # rows are L2-normalised

    def __call__(self, pairs: np.ndarray) -> np.ndarray:
        u, v = pairs[:, 0], pairs[:, 1]
        shared = np.asarray([shared_levels(self.products[a], self.products[b]) for a, b in pairs], dtype=float)
        depth = np.maximum(np.minimum(self.depth[u], self.depth[v]), 1)
        pu, pv = self.price[u], self.price[v]
        missing = np.isnan(pu) | np.isnan(pv)
        ratio = np.where(missing, 0.0, np.fmin(pu, pv) / np.fmax(pu, pv))
        return np.stack([self._cos(self.title_m, u, v), self._cos(self.desc_m, u, v), shared,
                         shared / depth, ratio, missing.astype(float)], axis=1)


# -- helpers ----------------------------------------------------------------------------------------
def _adjacency(n: int, pairs: np.ndarray):
    import scipy.sparse as sp

    a = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()
    a = ((a + a.T) > 0).astype(np.float64)
    return a.tocsr()


def structural_rule(graph: TypedGraph, train: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """1 (substitute) when the two products share a neighbour through substitute-like training
    relations ("co-viewed with a common product"), else 0 (complement)."""
    sub = graph.kind_mask("substitute")[train]
    adj = _adjacency(graph.num_nodes, graph.pairs[train][sub])
    shared = np.asarray(adj[pairs[:, 0]].multiply(adj[pairs[:, 1]]).sum(axis=1)).ravel()
    return (shared > 0).astype(np.int64)


def best_threshold(prob: np.ndarray, truth: np.ndarray) -> float:
    """The threshold on P(substitute) that maximises macro-F1 on ``truth`` (ties: the one nearest 0.5)."""
    candidates = np.unique(np.concatenate([[0.5], np.quantile(prob, np.linspace(0.01, 0.99, 99))]))
    scores = [(macro_f1(truth, (prob >= t).astype(np.int64), 2), -abs(t - 0.5), t) for t in candidates]
    return float(max(scores)[2])


def sample_non_pairs(n: int, forbidden: set[tuple[int, int]], num: int, rng: np.random.Generator) -> np.ndarray:
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    while len(out) < num:
        a, b = rng.integers(0, n, size=(2, 2 * (num - len(out)) + 16))
        for x, y in zip(a.tolist(), b.tolist()):
            key = (min(x, y), max(x, y))
            if x != y and key not in forbidden and key not in seen:
                seen.add(key)
                out.append(key)
                if len(out) == num:
                    break
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


# -- the model ------------------------------------------------------------------------------------
@dataclass
class ModelSpec:
    """The GAT of :mod:`relmine.gnn.recipe` with a two-kind relation head (see module doc)."""

    hidden: int = 64
    conv: str | None = None  # None: the recipe's attention layer
    epochs: int = 60
    patience: int = 15
    lr: float = 0.005
    type_weight: float = 1.0
    text_dim: int = 256
    device: str = "auto"


def _typed_features(graph: TypedGraph, train_pairs: np.ndarray, text_dim: int) -> torch.Tensor:
    """The one feature builder (:func:`relmine.gnn.features.node_features`) over the typed graph's products,
    each with its degree among the training pairs."""
    from relmine.gnn.features import node_features as features

    degree = np.bincount(train_pairs.ravel(), minlength=graph.num_nodes)
    rows = [{"title": p.get("title"), "category": p.get("category"), "price": p.get("price"),
             "degree": int(d)} for p, d in zip(graph.products, degree)]
    return features(rows, text_dim)


def _typed_edges(graph: TypedGraph, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """``[2, E]`` pairs (once per kind a pair has) and their kind ids."""
    kinds = graph.kind_labels()[idx]
    pairs = graph.pairs[idx]
    both = kinds == -1
    p = np.concatenate([pairs[~both], pairs[both], pairs[both]])
    k = np.concatenate([kinds[~both], np.zeros(both.sum(), dtype=np.int64), np.ones(both.sum(), dtype=np.int64)])
    return torch.from_numpy(p.T.copy()), torch.from_numpy(k)


def train_model(graph: TypedGraph, split: TypedSplit, spec: ModelSpec, seed: int, negatives: np.ndarray):
    """Train the GAT on the training pairs; returns a scorer ``pairs -> (P(exists), P(substitute))``."""
    from relmine.gnn import recipe
    from relmine.gnn.model import GATLinkPredictor
    from relmine.gnn.train import PairSet, TrainConfig, score_pairs, train

    pos, kinds = _typed_edges(graph, split.train)
    edge_index = torch.cat([pos, pos.flip(0)], dim=1)
    edge_type = torch.cat([kinds, kinds])
    x = _typed_features(graph, graph.pairs[split.train], spec.text_dim)
    data = Data(x=x, edge_index=edge_index, edge_type=edge_type, num_nodes=graph.num_nodes)
    data.target_index, data.target_type = pos, kinds
    kinds_n = len(KINDS)
    kwargs = {**recipe.model_kwargs(hidden=spec.hidden, conv=spec.conv, num_relations=kinds_n), "num_relations": kinds_n}
    torch.manual_seed(seed)
    model = GATLinkPredictor(x.size(1), **kwargs)
    config = TrainConfig(**{**recipe.TRAIN, "epochs": spec.epochs, "patience": spec.patience, "lr": spec.lr},
                         type_weight=spec.type_weight, seed=seed, device=spec.device, progress=False)
    val_pos = torch.from_numpy(graph.pairs[split.val].T.copy())
    val = PairSet(data, val_pos, torch.from_numpy(negatives[: max(1, len(split.val))].T.copy())) \
        if len(split.val) else None
    result = train(model, [data], config, val=val)

    def score(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logit, type_logit = score_pairs(model, data, torch.from_numpy(pairs.T.copy()), with_types=True)
        p_sub = torch.softmax(type_logit, dim=1)[:, 1]
        return torch.sigmoid(logit).numpy(), p_sub.numpy()

    return score, result


def kind_score(exist: np.ndarray, p_kind: np.ndarray) -> np.ndarray:
    """A pair's score as a relation of one kind: ``P(exists) * min(1, p / (1 - p))`` with ``p`` the
    kind head's probability of that kind. A pair at least as likely this kind as the other keeps its
    existence probability (what the write-back ranks by; it labels a pair with the likelier kind);
    one more likely the other kind is lowered by the odds. The plain product ``P(exists) * p`` halves
    every pair that is both kinds (the two-way head gives them about 0.5): on Digital Music, where
    71% of the held-out ``COMPLEMENT`` pairs are also substitute-like, it put them below random
    non-edges (docs/typed.md)."""
    p = np.asarray(p_kind, dtype=np.float64)
    return np.asarray(exist, dtype=np.float64) * np.minimum(1.0, p / np.maximum(1.0 - p, 1e-12))


# -- one seed ---------------------------------------------------------------------------------------
@dataclass
class SeedOutcome:
    seed: int
    classify: dict[str, dict[str, float]]          # method -> accuracy, macro_f1
    hits: dict[str, dict[str, float]]              # "model"/"ra" -> "TYPE hits@K" -> value
    confusion: dict[str, list[list[int]]]          # method -> 2x2
    held_out: dict[str, int]                       # per relation type, and typed pairs classified
    seconds: float
    epochs: int = 0


def evaluate_seed(graph: TypedGraph, seed: int, spec: ModelSpec, *, test_ratio: float = 0.2,
                  val_ratio: float = 0.05) -> SeedOutcome:
    t0 = time.perf_counter()
    split = split_typed(graph, seed, test_ratio=test_ratio, val_ratio=val_ratio)
    kinds = graph.kind_labels()
    rng = np.random.default_rng(10_000 + seed)
    forbidden = {tuple(p) for p in graph.pairs.tolist()}
    negatives = sample_non_pairs(graph.num_nodes, forbidden, len(split.test) + len(split.val), rng)
    test_neg, val_neg = negatives[: len(split.test)], negatives[len(split.test):]

    # classification sets: one-kind pairs only
    tr = split.train[kinds[split.train] >= 0]
    va = split.val[kinds[split.val] >= 0]
    te = split.test[kinds[split.test] >= 0]
    y_tr, y_va, y_te = kinds[tr], kinds[va], kinds[te]
    preds: dict[str, np.ndarray] = {}
    preds["majority"] = np.full(len(te), int(np.bincount(y_tr, minlength=2).argmax()))
    preds["content"] = _content_predictions(graph, tr, va, te, y_tr, y_va)
    preds["structural"] = structural_rule(graph, split.train, graph.pairs[te])
    score, result = train_model(graph, split, spec, seed, val_neg)
    preds["model"] = _model_predictions(score, graph.pairs[va], graph.pairs[te], y_va)

    classify = {m: {"accuracy": type_accuracy(y_te, p), "macro_f1": macro_f1(y_te, p, 2)} for m, p in preds.items()}
    conf = {m: confusion(y_te, p, 2).tolist() for m, p in preds.items()}
    hits, held = _hits_per_type(graph, split, test_neg, score)
    held["classified"] = int(len(te))
    return SeedOutcome(seed, classify, hits, conf, held, time.perf_counter() - t0,
                       epochs=len(result.history))


def _content_predictions(graph: TypedGraph, tr: np.ndarray, va: np.ndarray, te: np.ndarray,
                         y_tr: np.ndarray, y_va: np.ndarray) -> np.ndarray:
    """The content baseline: logistic regression on the pairs' product features, its threshold set on
    the validation pairs (0.5 without both kinds there); 0/1 per test pair."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    content = ContentFeatures(graph.products)
    scaler = StandardScaler().fit(content(graph.pairs[tr]))
    lr = LogisticRegression(max_iter=1000).fit(scaler.transform(content(graph.pairs[tr])), y_tr)
    prob_va = lr.predict_proba(scaler.transform(content(graph.pairs[va])))[:, 1] if len(va) else None
    cut = best_threshold(prob_va, y_va) if prob_va is not None and len(set(y_va)) == 2 else 0.5
    return (lr.predict_proba(scaler.transform(content(graph.pairs[te])))[:, 1] >= cut).astype(np.int64)


def _model_predictions(score: Callable, val_pairs: np.ndarray, test_pairs: np.ndarray,
                       y_va: np.ndarray) -> np.ndarray:
    """The model's kind (1: substitute) per test pair, its threshold set on the validation pairs as
    the content baseline's is."""
    _, sub_va = score(val_pairs) if len(val_pairs) else (None, None)
    cut = best_threshold(sub_va, y_va) if sub_va is not None and len(set(y_va)) == 2 else 0.5
    _, sub_te = score(test_pairs)
    return (sub_te >= cut).astype(np.int64)


def _hits_per_type(graph: TypedGraph, split: TypedSplit, test_neg: np.ndarray,
                   score: Callable) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    """Link ranking per relation type: hits@K of the model's kind score and of resource allocation, each
    type's held-out pairs against the sampled non-pairs; and the held-out pairs per type."""
    from relmine.gnn.heuristics import resource_allocation

    exist_all, sub_all = score(graph.pairs[split.test])
    exist_neg, sub_neg = score(test_neg)
    adj = _adjacency(graph.num_nodes, graph.pairs[split.train])
    ra_pos = resource_allocation(adj, graph.pairs[split.test].T)
    ra_neg = resource_allocation(adj, test_neg.T)
    hits: dict[str, dict[str, float]] = {"model": {}, "ra": {}}
    held: dict[str, int] = {}
    for t in graph.relation_types:
        mask = np.array([t in graph.types[i] for i in split.test], dtype=bool)
        held[t] = int(mask.sum())
        if not mask.any():
            continue
        p_kind_pos = sub_all if KIND[t] == "substitute" else 1 - sub_all
        p_kind_neg = sub_neg if KIND[t] == "substitute" else 1 - sub_neg
        pos_score, neg_score = kind_score(exist_all, p_kind_pos), kind_score(exist_neg, p_kind_neg)
        for k in KS:
            hits["model"][f"{t} hits@{k}"] = hits_at_k(pos_score[mask], neg_score, k)
            hits["ra"][f"{t} hits@{k}"] = hits_at_k(ra_pos[mask], ra_neg, k)
    return hits, held


@dataclass
class TypedReport:
    dataset: str
    outcomes: list[SeedOutcome]
    relation_types: list[str]
    products: int
    pairs: int
    summary: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)

    @property
    def bar_met(self) -> bool:
        s = self.summary
        return s["model"]["macro_f1"][0] > s["content"]["macro_f1"][0]

    def as_dict(self) -> dict:
        return {"dataset": self.dataset, "products": self.products, "typed_pairs": self.pairs,
                "relation_types": self.relation_types, "seeds": [o.seed for o in self.outcomes],
                "summary": {m: {k: [round(v[0], 4), round(v[1], 4)] for k, v in row.items()}
                            for m, row in self.summary.items()},
                "bar_model_macro_f1_above_content": self.bar_met,
                "per_seed": [{"seed": o.seed, "classify": o.classify, "hits": o.hits, "confusion": o.confusion,
                              "held_out": o.held_out, "epochs": o.epochs, "seconds": round(o.seconds, 1)}
                             for o in self.outcomes]}


def _mean_std(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values, dtype=float)
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


def evaluate_typed(graph: TypedGraph, seeds: Sequence[int], spec: ModelSpec | None = None, *,
                   dataset: str = "graph", test_ratio: float = 0.2,
                   on_seed: Callable[[SeedOutcome], None] | None = None) -> TypedReport:
    """Every seed's :func:`evaluate_seed`, then mean ± std per method and metric."""
    spec = spec or ModelSpec()
    outcomes = []
    for seed in seeds:
        out = evaluate_seed(graph, seed, spec, test_ratio=test_ratio)
        outcomes.append(out)
        if on_seed is not None:
            on_seed(out)
    summary: dict[str, dict[str, tuple[float, float]]] = {}
    for m in METHODS:
        summary[m] = {k: _mean_std([o.classify[m][k] for o in outcomes]) for k in ("accuracy", "macro_f1")}
    for m in ("model", "ra"):
        keys = sorted({k for o in outcomes for k in o.hits[m]})
        summary.setdefault(m, {}).update({k: _mean_std([o.hits[m][k] for o in outcomes if k in o.hits[m]])
                                          for k in keys})
    return TypedReport(dataset, outcomes, graph.relation_types, graph.num_nodes, len(graph.pairs), summary)


def format_typed_table(report: TypedReport) -> str:
    """One table: kind accuracy and macro-F1 per method; Hits@K per relation type for model and RA."""
    fmt = lambda v: f"{v[0]:.3f} ± {v[1]:.3f}"
    lines = [f"{report.dataset}: {report.products:,} products, {report.pairs:,} typed pairs "
             f"({', '.join(report.relation_types)}), seeds {[o.seed for o in report.outcomes]}",
             f"{'method':<12} {'type accuracy':>16} {'macro-F1':>16}"]
    for m in METHODS:
        row = report.summary[m]
        lines.append(f"{m:<12} {fmt(row['accuracy']):>16} {fmt(row['macro_f1']):>16}")
    cols = [f"{t} hits@{k}" for t in report.relation_types for k in KS]
    lines.append("link ranking of held-out pairs by type (against shared random non-edges):")
    for m in ("model", "ra"):
        row = report.summary[m]
        parts = [f"{c} {fmt(row[c])}" for c in cols if c in row]
        lines.append(f"  {m:<6} " + "; ".join(parts))
    verdict = "met" if report.bar_met else "NOT met"
    lines.append(f"bar (model macro-F1 above the content baseline's): {verdict}")
    return "\n".join(lines)


def _short_name(dataset: str, most: int = 28) -> str:
    """A data set's file name without its extensions (``.json.gz``), cut to ``most`` characters."""
    name = dataset.rsplit("/", 1)[-1]
    for ext in (".gz", ".json", ".jsonl", ".csv"):
        name = name.removesuffix(ext)
    return name if len(name) <= most else name[: most - 1] + "…"


def plot_confusions(path, reports: Sequence[TypedReport]) -> None:
    """One row per data set, one confusion matrix (summed over seeds) per method, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(reports), len(METHODS), figsize=(3.2 * len(METHODS), 3.0 * len(reports)),
                             squeeze=False)
    for r, rep in enumerate(reports):
        for c, m in enumerate(METHODS):
            cm = np.sum([np.asarray(o.confusion[m]) for o in rep.outcomes], axis=0)
            ax = axes[r][c]
            ax.imshow(cm, cmap="Blues")
            for i in range(2):
                for j in range(2):
                    ax.text(j, i, f"{cm[i, j]:,}", ha="center", va="center",
                            color="white" if cm[i, j] > cm.max() / 2 else "black")
            ax.set_xticks([0, 1], ["compl.", "subst."])
            ax.set_yticks([0, 1], ["compl.", "subst."])
            f1 = rep.summary[m]["macro_f1"][0]
            ax.set_title(f"{_short_name(rep.dataset)}\n{m}: macro-F1 {f1:.3f}", fontsize=9)
            if c == 0:
                ax.set_ylabel("true kind")
            ax.set_xlabel("predicted kind")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
