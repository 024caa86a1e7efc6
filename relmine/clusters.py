"""Product clusters: GDS Louvain/Leiden on a co-purchase graph, or k-means on embeddings.

``cluster_products(gw, ClusterSpec(method="leiden"))`` assigns every product
to a community, names each cluster by the TF-IDF top terms of its members'
titles, scores the assignment against the products' known categories (NMI,
ARI) where they have one, and writes
``(:Cluster {id, label, terms, size, run, method})<-[:IN_CLUSTER]-(:Product)``
(the run id is ``run_id`` in Python and ``$run_id`` in Cypher; the stored property stays ``run``, which BI
queries read)
plus a ``(:Run {kind: 'clusters'})``. Clusters smaller than ``min_size`` are
scored but not written (isolated products would each make one).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from relmine.errors import InputError, NotFound, QueryError
from relmine.gateway import Gateway
from relmine.names import display_name, readable_title
from relmine.runs import check_run_id, job, record_run

log = logging.getLogger(__name__)

METHODS = ("louvain", "leiden", "kmeans", "fastrp", "propagate")
COMMUNITY_STREAMS = {"leiden": "clusters/leiden_stream", "louvain": "clusters/louvain_stream"}
PROPAGATE_HOPS = 2  # SGC's K; measured at 2 only (docs/clusters.md)
PROPAGATE_MAX_PRODUCTS = 30_000  # Ward keeps n^2 / 2 distances: 3.6 GB at 30k
# Leiden's default gamma per weighting, from bench/clusters.py (docs/clusters.md): on NPMI weights gamma 1
# leaves a 26% cluster on Groceries and 1.5 none over 10%; on counts (Amazon Photo) 1.0 and 0.5 are within
# run-to-run noise of each other and 1.5 is lower.
DEFAULT_RESOLUTION = {"npmi": 1.5}
# With catalogue attributes a value held by many products (a store brand: 19% of the Complete Journey sample)
# keeps one cluster at gamma 1.5 (20% of the products); at 10 no cluster holds over 2% (docs/clusters.md).
ATTRIBUTE_RESOLUTION = 10.0
WEIGHTINGS = ("auto", "count", "npmi", "lift")
REL_TYPE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
PROPERTY = re.compile(r"^[a-z][A-Za-z0-9_]{0,63}$")
MAX_COMMUNITY_CONCURRENCY = 4  # GDS community edition
MAX_ATTRIBUTES = 8
# The weight of a product's link to one of its attribute values, against NPMI weights in (0, 1] (or stored
# counts): chosen by bench/clusters.py on the Complete Journey sample (docs/clusters.md).
DEFAULT_ATTRIBUTE_WEIGHT = 30.0


def default_concurrency() -> int:
    """Half this machine's cores, 1..4: on a 2-core machine GDS Louvain with 2 threads ran 5x slower than with 1."""
    return max(1, min(MAX_COMMUNITY_CONCURRENCY, (os.cpu_count() or 1) // 2))


@dataclass(frozen=True)
class ClusterSpec:
    """How to cluster.

    Args:
        method: ``leiden`` (default) or ``louvain`` (GDS communities of ``relationship``), ``fastrp`` (GDS
            FastRP vectors of the same projection, then k-means), ``propagate`` (the ``features`` averaged over
            two hops of the graph, as SGC does, then Ward's agglomerative clustering), or ``kmeans`` (on
            ``p.embedding``).
        relationship: relationship type between products (default ``CO_PURCHASED``).
        k: number of k-means clusters of ``kmeans``/``fastrp`` (default: ``sqrt(n / 2)``, between 2 and 100).
        min_size: smallest cluster written back (default 2).
        terms: TF-IDF terms kept per cluster (default 5).
        concurrency: GDS concurrency, 1..4 on the community edition (default: half this machine's cores,
            1..4; more threads than free cores slow Louvain down several times).
        seed: random seed of Leiden, FastRP and k-means (default 42).
        weighting: edge weights for Louvain/Leiden/FastRP: ``count`` (the relationship's ``weight``, as
            stored), or a significance of the co-purchase over the orders: ``npmi`` (normalised pointwise
            mutual information, in (0, 1]) or ``lift`` (log-lift); pairs with no positive association are
            dropped. ``auto`` (default): ``npmi`` where the graph counts co-purchases over orders
            (``relationship`` ``CO_PURCHASED`` and ingested orders), else ``count``.
        min_count: with ``npmi``/``lift``, pairs bought together in fewer orders are dropped (default 1;
            see ``docs/clusters.md`` for why 2 fragments sparse baskets into singletons).
        resolution: Leiden's ``gamma``: above 1 gives more, smaller clusters (default: 10 with ``attributes``,
            else 1.5 on ``npmi`` weights, 1.0 otherwise, chosen by ``bench/clusters.py``; Louvain in GDS has no resolution, so it
            must stay 1.0 there).
        attributes: with ``leiden``/``louvain``, catalogue properties of the products (``p.<name>``: a brand,
            a manufacturer) whose values join the graph as virtual nodes, each linked to every product that
            has it (default: none). Where baskets are thin, products that share a value then cluster
            together, and co-purchases split a value held by many products.
        attribute_weight: the weight of a product's link to its attribute value (default 30.0, against
            NPMI weights of at most 1).
        features: with ``fastrp`` (optional) or ``propagate`` (required), a numeric list property of the products (``p.<features>``) that FastRP
            mixes into its vectors (``featureProperties``; count weighting only; default: none).
        dimension: FastRP vector size (default 256).
        run_id: run id (default: a new one).
        write: write clusters back (default True).
    """

    method: str = "leiden"
    relationship: str = "CO_PURCHASED"
    k: int | None = None
    min_size: int = 2
    terms: int = 5
    concurrency: int = field(default_factory=lambda: default_concurrency())
    seed: int = 42
    weighting: str = "auto"
    min_count: int = 1
    resolution: float | None = None
    features: str | None = None
    attributes: tuple[str, ...] = ()
    attribute_weight: float = DEFAULT_ATTRIBUTE_WEIGHT
    dimension: int = 256
    run_id: str | None = None
    write: bool = True

    def validated(self) -> "ClusterSpec":
        if self.method not in METHODS:
            raise InputError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if not REL_TYPE.match(self.relationship):
            raise InputError(f"relationship type {self.relationship!r} must match {REL_TYPE.pattern}")
        if self.weighting not in WEIGHTINGS:
            raise InputError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {self.weighting!r}")
        if self.weighting not in ("count", "auto") and self.relationship != "CO_PURCHASED":
            raise InputError(f"weighting {self.weighting} is computed from co-purchase counts: it needs "
                             f"relationship CO_PURCHASED, got {self.relationship}")
        if self.min_count < 1:
            raise InputError(f"min_count must be at least 1, got {self.min_count}")
        if self.resolution is not None and not 0 < self.resolution <= 100:
            raise InputError(f"resolution must lie in (0, 100], got {self.resolution}")
        if self.method == "louvain" and self.resolution not in (None, 1.0):
            raise InputError("GDS Louvain has no resolution setting: use --method leiden with --resolution")
        if self.method == "propagate" and self.features is None:
            raise InputError("method propagate averages a feature property over the graph: name it (features)")
        if self.features is not None:
            if self.method not in ("fastrp", "propagate"):
                raise InputError(f"features are mixed in by FastRP only (or propagated): use method fastrp or "
                                 f"propagate, got {self.method}")
            if not PROPERTY.match(self.features):
                raise InputError(f"feature property {self.features!r} must match {PROPERTY.pattern}")
            if self.weighting in ("npmi", "lift"):
                raise InputError("features go with the stored (count) weights: use weighting count or auto")
        if self.attributes:
            if self.method not in ("leiden", "louvain"):
                raise InputError(f"attributes join the graph of leiden or louvain only, got method {self.method}")
            if len(self.attributes) > MAX_ATTRIBUTES or len(set(self.attributes)) < len(self.attributes):
                raise InputError(f"name at most {MAX_ATTRIBUTES} distinct attributes, got {list(self.attributes)}")
            for name in self.attributes:
                if not isinstance(name, str) or not PROPERTY.match(name):
                    raise InputError(f"attribute property {name!r} must match {PROPERTY.pattern}")
        if not 0 < self.attribute_weight <= 1000:
            raise InputError(f"attribute_weight must lie in (0, 1000], got {self.attribute_weight}")
        if not 8 <= self.dimension <= 1024:
            raise InputError(f"dimension must lie in 8..1024, got {self.dimension}")
        if self.k is not None and self.k < 2:
            raise InputError(f"k must be at least 2, got {self.k}")
        if self.min_size < 1:
            raise InputError(f"min_size must be at least 1, got {self.min_size}")
        if not 1 <= self.terms <= 50:
            raise InputError(f"terms must lie in 1..50, got {self.terms}")
        if not 1 <= self.concurrency <= MAX_COMMUNITY_CONCURRENCY:
            raise InputError(f"concurrency must lie in 1..{MAX_COMMUNITY_CONCURRENCY} "
                             f"(the GDS community edition's limit), got {self.concurrency}")
        return self


@dataclass
class Cluster:
    community: int
    members: list[str] = field(repr=False)
    label: str = ""
    terms: list[str] = field(default_factory=list)
    top_category: str | None = None
    purity: float | None = None

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class ClusterResult:
    run_id: str
    spec: ClusterSpec
    assignment: dict[str, int] = field(repr=False)
    clusters: list[Cluster] = field(repr=False)
    scores: dict[str, float | int] = field(default_factory=dict)
    seconds: float = 0.0
    written: int = 0
    titles: dict[str, str | None] = field(repr=False, default_factory=dict)

    def examples(self, cluster: Cluster, n: int = 3) -> list[str]:
        """Display names of a few members, those with a readable title first (then by SKU)."""
        members = sorted(cluster.members, key=lambda s: (readable_title(self.titles.get(s), s) is None, s))
        return [display_name(s, self.titles.get(s)) for s in members[:n]]

    def metrics(self) -> dict:
        sizes = [c.size for c in self.clusters]
        return {"method": self.spec.method, "weighting": self.spec.weighting, "products": len(self.assignment),
                "communities": len(set(self.assignment.values())),
                "clusters": sum(1 for s in sizes if s >= self.spec.min_size),
                "largest": max(sizes, default=0),
                "largest_share": round(max(sizes, default=0) / max(1, len(self.assignment)), 4), **self.scores, "seconds": round(self.seconds, 3)}


# -- assignment ------------------------------------------------------------------------------------
def _projection(spec: ClusterSpec, weighted: bool) -> dict:
    rel = {"type": spec.relationship, "orientation": "UNDIRECTED"}
    if weighted:
        rel["aggregation"] = "MAX"
        rel["properties"] = {"weight": {"property": "weight", "defaultValue": 1.0}}
    else:
        rel["aggregation"] = "SINGLE"
    return {spec.relationship: rel}


def resolve_weighting(gw: Gateway, spec: ClusterSpec) -> str:
    """The weighting ``auto`` stands for on this graph: ``npmi`` where co-purchases are counted over
    orders (and no feature property asks for the stored weights), else ``count``."""
    if spec.weighting != "auto":
        return spec.weighting
    if spec.relationship != "CO_PURCHASED" or spec.features is not None:
        return "count"
    info = gw.read_one("clusters/count_order_stats") or {}
    return "npmi" if info.get("n_orders") and info.get("pairs") else "count"


def default_resolution(spec: ClusterSpec, weighting: str) -> float:
    """Leiden's gamma when none is given: 10 with attributes, else per weighting (Louvain: 1, it has none)."""
    if spec.method != "leiden":
        return 1.0
    return ATTRIBUTE_RESOLUTION if spec.attributes else DEFAULT_RESOLUTION.get(weighting, 1.0)


def _check_counted(gw: Gateway, weighting: str) -> None:
    info = gw.read_one("clusters/count_order_stats") or {}
    if not info.get("n_orders") or not info.get("pairs"):
        raise InputError(f"weighting {weighting} needs co-purchases counted over orders (ingest orders "
                         "or baskets first); use --weighting count for relations without order counts")


def _project_with_attributes(gw: Gateway, spec: ClusterSpec, graph: str, weighting: str) -> int:
    """Project co-purchases and the products' attribute values as virtual nodes; the first virtual id."""
    found = gw.read_one("clusters/count_attribute_products", {"attributes": list(spec.attributes)}) or {}
    missing = [name for name, n in zip(spec.attributes, found.get("products") or []) if not n]
    if missing:
        raise InputError(f"no product carries the attribute {', '.join(map(repr, missing))} (a text or number "
                         "property, e.g. a catalogue column: `relmine ingest catalog`)")
    if weighting != "count":
        _check_counted(gw, weighting)
    summary = gw.write("clusters/project_with_attributes", {
        "graph": graph, "weighting": weighting, "type": spec.relationship, "minCount": spec.min_count,
        "attributes": list(spec.attributes), "attributeWeight": float(spec.attribute_weight),
        "concurrency": spec.concurrency})
    return int(summary.records[0]["offset"])


def _project(gw: Gateway, spec: ClusterSpec, graph: str, weighting: str) -> bool:
    """Project the graph to cluster; whether its relationships carry a ``weight``."""
    if weighting != "count":
        _check_counted(gw, weighting)
        gw.write("clusters/project_significance", {"graph": graph, "weighting": weighting,
                                                   "minCount": spec.min_count, "minWeight": 0.0,
                                                   "concurrency": spec.concurrency})
        return True
    info = gw.read_one("clusters/count_relationships", {"type": spec.relationship}) or {}
    if not info.get("relationships"):
        raise InputError(f"no :{spec.relationship} relationships between products to cluster "
                         "(ingest co-purchases first, or use --method kmeans on embeddings)")
    weighted = bool(info.get("weight_key"))
    nodes: dict = {"Product": {"label": "Product"}}
    if spec.features is not None:
        found = gw.read_one("clusters/count_feature_products", {"property": spec.features}) or {}
        if not found.get("products"):
            raise InputError(f"no product carries the feature property {spec.features!r} (a list of numbers)")
        if found.get("products") < found.get("total", 0):
            raise InputError(f"{found['total'] - found['products']:,} of {found['total']:,} products lack the "
                             f"feature property {spec.features!r}: FastRP needs it on every product")
        nodes["Product"]["properties"] = [spec.features]
    statement = "clusters/project_relationships" if weighted else "clusters/project_relationships_unweighted"
    gw.write(statement, {"graph": graph, "nodes": nodes, "projection": _projection(spec, weighted),
                         "concurrency": spec.concurrency})
    return weighted


def _isolated_alone(assignment: dict[str, int], skus: list[str] | None) -> dict[str, int]:
    next_id = max(assignment.values(), default=-1) + 1
    for sku in skus or ():
        if sku not in assignment:
            assignment[sku] = next_id
            next_id += 1
    return assignment


def community_assignment(gw: Gateway, spec: ClusterSpec, skus: list[str] | None = None) -> dict[str, int]:
    """``sku -> community`` from GDS Louvain or Leiden on a fresh, dropped-after projection.

    A significance-weighted projection holds only products with a significant pair; the other
    products of ``skus`` each get a community of their own (as isolated products do otherwise)."""
    graph = f"relmine-clusters-{secrets.token_hex(4)}"
    weighting = resolve_weighting(gw, spec)
    offset = None
    try:
        if spec.attributes:
            offset, weighted = _project_with_attributes(gw, spec, graph, weighting), True
        else:
            weighted = _project(gw, spec, graph, weighting)
        config: dict = {"concurrency": spec.concurrency}
        if weighted:
            config["relationshipWeightProperty"] = "weight"
        if spec.method == "leiden":
            config["randomSeed"] = spec.seed
            config["gamma"] = float(spec.resolution if spec.resolution is not None
                                    else default_resolution(spec, weighting))
        try:
            rows = gw.read(COMMUNITY_STREAMS[spec.method], {"graph": graph, "config": config, "offset": offset})
        except QueryError as exc:
            # GDS 2.13 Leiden fails with a NullPointerException (no dendrogram) when the resolution is
            # so high that no two products merge: that result is every product alone.
            if spec.method != "leiden" or "dendrogram" not in str(exc).lower():
                raise
            log.warning("Leiden merged no products at resolution %s: every product is its own cluster",
                        spec.resolution)
            rows = []
    finally:
        gw.write("clusters/drop_projection", {"graph": graph})
    return _isolated_alone({row["sku"]: int(row["community"]) for row in rows}, skus)


def _kmeans(x: np.ndarray, k: int | None, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    k = k or int(min(100, max(2, round(np.sqrt(len(x) / 2)))))
    if k > len(x):
        raise InputError(f"k={k} exceeds the {len(x)} products that have a vector to cluster")
    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x)


def fastrp_assignment(gw: Gateway, spec: ClusterSpec, skus: list[str] | None = None) -> dict[str, int]:
    """``sku -> cluster``: GDS FastRP vectors of the (weighted) projection, then k-means on those that are
    not zero. A product without relationships (and without features) has a zero vector: it is alone."""
    graph = f"relmine-clusters-{secrets.token_hex(4)}"
    weighting = resolve_weighting(gw, spec)
    config: dict = {"embeddingDimension": spec.dimension, "iterationWeights": [0.0, 1.0, 1.0],
                    "normalizationStrength": -0.5, "randomSeed": spec.seed, "concurrency": 1}
    try:
        if _project(gw, spec, graph, weighting):
            config["relationshipWeightProperty"] = "weight"
        if spec.features is not None:
            config["featureProperties"] = [spec.features]
            # every dimension from the features: on Photo (bench/clusters_fastrp_sweep.py, 16 settings each)
            # the same median NMI as half of them (0.674 / 0.676) with a higher floor (0.666 / 0.620)
            config["propertyRatio"] = 1.0
        rows = gw.read("clusters/fastrp_stream", {"graph": graph, "config": config}, raw=True)
    finally:
        gw.write("clusters/drop_projection", {"graph": graph})
    x = np.asarray([r["embedding"] for r in rows], dtype=np.float64).reshape(len(rows), -1)
    live = np.linalg.norm(x, axis=1) > 1e-9 if len(rows) else np.zeros(0, dtype=bool)
    if live.sum() < 2:
        raise InputError("FastRP gave fewer than two products a vector (no relationships to embed)")
    labels = _kmeans(x[live], spec.k, spec.seed)
    assignment = {rows[i]["sku"]: int(c) for i, c in zip(np.flatnonzero(live), labels)}
    return _isolated_alone(assignment, skus)


def propagate_assignment(gw: Gateway, spec: ClusterSpec) -> dict[str, int]:
    """``sku -> cluster``: each product's L2-normalised ``features`` averaged over ``PROPAGATE_HOPS`` hops
    of ``relationship`` (``S = D^-1/2 (A + L) D^-1/2``, as SGC does, with ``A`` the stored weights and
    the self-loop ``L`` as heavy as the product's heaviest edge, at least 1; no training), then Ward's
    agglomerative clustering into ``k`` clusters. A product without relationships keeps its own features."""
    import scipy.sparse as sp
    from sklearn.cluster import AgglomerativeClustering

    rows = gw.read("clusters/read_features", {"property": spec.features}, raw=True)
    missing = sum(1 for r in rows if not isinstance(r["features"], list) or not r["features"])
    if missing:
        raise InputError(f"{missing:,} of {len(rows):,} products lack the feature property {spec.features!r} "
                         "(a list of numbers): propagation needs it on every product")
    if len(rows) > PROPAGATE_MAX_PRODUCTS:
        raise InputError(f"method propagate holds n^2/2 distances: at most {PROPAGATE_MAX_PRODUCTS:,} products, "
                         f"the graph has {len(rows):,} (use --method fastrp)")
    dims = Counter(len(r["features"]) for r in rows)
    if len(dims) > 1:
        raise InputError(f"feature property {spec.features!r} has mixed lengths {dict(dims)}")
    index = {r["sku"]: i for i, r in enumerate(rows)}
    x = np.asarray([r["features"] for r in rows], dtype=np.float64)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    pairs = gw.read("clusters/read_pairs", {"type": spec.relationship}, raw=True)
    src = np.asarray([index[p["a"]] for p in pairs], dtype=np.int64)
    dst = np.asarray([index[p["b"]] for p in pairs], dtype=np.int64)
    weight = np.asarray([max(0.0, p["weight"]) for p in pairs], dtype=np.float64)
    n = len(rows)
    adj = sp.coo_matrix((np.r_[weight, weight], (np.r_[src, dst], np.r_[dst, src])), shape=(n, n)).tocsr()
    adj = adj + sp.diags(np.maximum(1.0, adj.max(axis=1).toarray().ravel()))  # a self-loop as heavy as the heaviest edge
    scale = sp.diags(1.0 / np.sqrt(np.asarray(adj.sum(axis=1)).ravel()))
    s = scale @ adj @ scale
    for _ in range(PROPAGATE_HOPS):
        x = s @ x
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    k = spec.k or int(min(100, max(2, round(np.sqrt(n / 2)))))
    if k > n:
        raise InputError(f"k={k} exceeds the {n} products that have a vector to cluster")
    labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x)
    return {r["sku"]: int(c) for r, c in zip(rows, labels)}


def kmeans_assignment(gw: Gateway, spec: ClusterSpec) -> dict[str, int]:
    """``sku -> cluster`` from scikit-learn k-means on the L2-normalised ``p.embedding``."""
    rows = gw.read("clusters/read_embeddings")
    if not rows:
        raise InputError("no product has an embedding (p.embedding): train the GNN and write its embeddings "
                         "first, or cluster the co-purchase graph with --method leiden")
    dims = Counter(len(r["embedding"]) for r in rows)
    if len(dims) > 1:
        raise InputError(f"embeddings have mixed dimensions {dict(dims)}: re-run the embedding write-back")
    x = np.asarray([r["embedding"] for r in rows], dtype=np.float64)
    labels = _kmeans(x, spec.k, spec.seed)
    return {r["sku"]: int(c) for r, c in zip(rows, labels)}


# -- labels and scores -----------------------------------------------------------------------------
_TOKEN = r"(?u)\b[^\W\d_][^\W\d_]+\b"


def _fallback_label(c: Cluster) -> str:
    """A cluster's label without title terms: its most frequent category, said to be a minority when it is."""
    if not c.top_category:
        return f"cluster {c.community}"
    if c.purity is not None and c.purity < 0.5:
        return f"mixed, most often {c.top_category} ({c.purity:.0%})"
    return c.top_category


def label_clusters(clusters: list[Cluster], titles: dict[str, str | None], *, terms: int = 5) -> None:
    """Set ``terms`` (TF-IDF top terms, one document per cluster) and a short ``label`` on each cluster."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [" ".join(t for t in (titles.get(s) for s in c.members) if t) for c in clusters]
    if not any(doc.strip() for doc in docs):
        for c in clusters:
            c.terms, c.label = [], _fallback_label(c)
        return
    try:
        vec = TfidfVectorizer(stop_words="english", token_pattern=_TOKEN, sublinear_tf=True)
        matrix = vec.fit_transform(docs)
    except ValueError:  # only stop words
        for c in clusters:
            c.terms, c.label = [], _fallback_label(c)
        return
    vocab = np.asarray(vec.get_feature_names_out())
    for c, row in zip(clusters, matrix):
        weights = row.toarray().ravel()
        top = [i for i in np.argsort(-weights, kind="stable")[:terms] if weights[i] > 0]
        c.terms = vocab[top].tolist()
        c.label = " / ".join(c.terms[:3]) if c.terms else _fallback_label(c)


def category_scores(assignment: dict[str, int], categories: dict[str, str | None]) -> dict[str, float | int]:
    """NMI and ARI of the assignment against the known categories (products with one only)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    pairs = [(categories[s], c) for s, c in assignment.items() if categories.get(s)]
    if len(pairs) < 2 or len({p[0] for p in pairs}) < 2:
        return {}
    truth, pred = zip(*pairs)
    return {"nmi": float(normalized_mutual_info_score(truth, pred)),
            "ari": float(adjusted_rand_score(truth, pred)),
            "scored_products": len(pairs), "categories": len(set(truth))}


def build_clusters(assignment: dict[str, int], categories: dict[str, str | None]) -> list[Cluster]:
    groups: dict[int, list[str]] = defaultdict(list)
    for sku, c in assignment.items():
        groups[c].append(sku)
    clusters = []
    for community, members in groups.items():
        members.sort()
        cats = Counter(categories[s] for s in members if categories.get(s))
        top, purity = (None, None)
        if cats:
            top, count = cats.most_common(1)[0]
            purity = count / len(members)
        clusters.append(Cluster(community, members, top_category=top, purity=purity))
    clusters.sort(key=lambda c: (-c.size, c.community))
    return clusters


# -- the whole run ---------------------------------------------------------------------------------
def cluster_params(spec: ClusterSpec) -> dict:
    """The settings a clusters run records: those set (the attributes only where there are some)."""
    params = {k: v for k, v in asdict(spec).items() if k not in ("run_id", "write") and v is not None}
    if spec.attributes:
        params["attributes"] = list(spec.attributes)
    else:
        params.pop("attributes", None)
        params.pop("attribute_weight", None)
    return params


def cluster_products(gw: Gateway, spec: ClusterSpec) -> ClusterResult:
    """Assign, label, score and (by default) write clusters; see the module doc. When it writes, its
    ``(:Run)`` is ``running`` meanwhile, ``done`` with the figures, or ``failed`` with the reason."""
    spec = spec.validated()
    spec = replace(spec, run_id=check_run_id(spec.run_id, "clusters"))
    with job(gw, spec.run_id, "clusters", cluster_params(spec), record=spec.write):
        return _cluster_products(gw, spec)


def _cluster_products(gw: Gateway, spec: ClusterSpec) -> ClusterResult:
    run_id = spec.run_id
    t0 = time.perf_counter()
    products = gw.read("clusters/read_products")
    if not products:
        raise NotFound("the graph holds no products: ingest a catalogue first")
    skus = [p["sku"] for p in products]
    if spec.method not in ("kmeans", "propagate"):  # record what ``auto`` and the default resolution stood for
        weighting = resolve_weighting(gw, spec)
        resolution = spec.resolution
        if resolution is None:
            resolution = default_resolution(spec, weighting)
        spec = replace(spec, weighting=weighting, resolution=resolution)
    if spec.method == "kmeans":
        assignment = kmeans_assignment(gw, spec)
    elif spec.method == "fastrp":
        assignment = fastrp_assignment(gw, spec, skus)
    elif spec.method == "propagate":
        assignment = propagate_assignment(gw, spec)
    else:
        assignment = community_assignment(gw, spec, skus)
    titles = {p["sku"]: p["title"] for p in products}
    categories = {p["sku"]: p["category"] for p in products}
    clusters = build_clusters(assignment, categories)
    kept = [c for c in clusters if c.size >= spec.min_size]
    label_clusters(kept, titles, terms=spec.terms)
    result = ClusterResult(run_id, spec, assignment, clusters, category_scores(assignment, categories),
                           time.perf_counter() - t0, titles=titles)
    if spec.write:
        result.written = write_clusters(gw, result)
    return result


def write_clusters(gw: Gateway, result: ClusterResult, *, batch_size: int = 200) -> int:
    """Replace the run's clusters and record its ``(:Run)``; the number of clusters written."""
    while True:
        summary = gw.write("clusters/delete_run_clusters", {"run_id": result.run_id, "batch": 1000})
        if not summary.records or summary.records[0]["deleted"] < 1000:
            break
    rows = [{"id": f"{result.run_id}:{c.community}", "community": c.community, "label": c.label,
             "terms": c.terms, "size": c.size, "top_category": c.top_category, "purity": c.purity,
             "members": c.members}
            for c in result.clusters if c.size >= result.spec.min_size]
    summary = gw.write_batches("clusters/merge_clusters", rows, batch_size=batch_size,
                               extra={"run_id": result.run_id, "method": result.spec.method})
    record_run(gw, result.run_id, "clusters", cluster_params(result.spec), result.metrics())
    return summary.nodes_created
