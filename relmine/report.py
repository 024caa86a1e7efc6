"""``relmine report``: one HTML page with PNG plots summarising the graph and the latest runs.

The page (``index.html``) and its plots (``*.png``, matplotlib's Agg backend)
go into one folder; the page holds no external reference, so it opens from
disk or any static server. It reads the graph only through the saved BI
queries of ``cypher/bi/`` (plus the node/relationship counts), so what the
page shows is what a BI tool sees.
"""

from __future__ import annotations

import html
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relmine.errors import InputError
from relmine.gateway import Gateway

log = logging.getLogger(__name__)


@dataclass
class ReportData:
    counts: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    category_rules: list[dict[str, Any]]
    clusters: list[dict[str, Any]]
    embeddings: list[dict[str, Any]] = field(default_factory=list)
    neighbourhood: Any = None   # a RecommendResult, or None
    generated: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S"))

    @property
    def empty(self) -> bool:
        """No data: run records (a failed job leaves one) are not data."""
        return not any(r["count"] for r in self.counts if r["kind"] == "node" and r["name"] != "Run")


@dataclass
class Report:
    path: Path
    plots: list[Path]
    data: ReportData
    notes: list[str]


def gather(gw: Gateway, *, top: int = 20) -> ReportData:
    return ReportData(
        counts=gw.read("admin/count_graph"),
        runs=latest_runs(gw),
        rules=gw.read("bi/rules_by_lift", {"run_id": None, "level": "product", "minConfidence": 0.0, "limit": 2000}),
        category_rules=gw.read("bi/rules_by_lift", {"run_id": None, "level": "category", "minConfidence": 0.0,
                                                     "limit": top}),
        clusters=gw.read("bi/cluster_summaries", {"run_id": None, "minSize": 1, "limit": 200}),
        embeddings=gw.read("report/embedding_map", {"limit": 3000}),
        neighbourhood=_neighbourhood(gw),
    )


RUN_KINDS = ("ingest", "train", "motifs", "rules", "clusters", "evaluate")  # ingest: the (:Source) records


def latest_runs(gw: Gateway, limit: int = 12) -> list[dict[str, Any]]:
    """The runs table: the ``limit`` newest runs of any kind (``bi/run_comparison``), then the newest run of each
    kind of :data:`RUN_KINDS` not among them, so that every kind there is shows with its figures."""
    rows = gw.read("bi/run_comparison", {"kind": None, "limit": limit})
    shown = {r["kind"] for r in rows}
    for kind in RUN_KINDS:
        if kind not in shown:
            rows += gw.read("bi/run_comparison", {"kind": kind, "limit": 1})
    return rows


def _neighbourhood(gw: Gateway, k: int = 8):
    """Recommendations of the product with the most relations (None on an empty graph)."""
    from relmine.recommend import recommend

    row = gw.read_one("report/busiest_product")
    if not row or not row["degree"]:
        return None
    result = recommend(gw, row["sku"], k=k)
    return result if result.items else None


# -- pictures of the embeddings and of one product's neighbourhood ---------------------------------------
KIND_COLOURS = {"complement": "#4c72b0", "substitute": "#dd8452", "mixed": "#8172b3", "related": "#999999"}


def project_2d(vectors: list[list[float]]) -> "np.ndarray":
    """The first two principal components of the (L2-normalised) embeddings, ``[N, 2]``."""
    import numpy as np

    x = np.asarray(vectors, dtype=np.float64)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    x -= x.mean(axis=0)
    if x.shape[0] < 2:
        return np.zeros((x.shape[0], 2))
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    comps = vt[:2] if vt.shape[0] >= 2 else np.vstack([vt, np.zeros_like(vt)])
    return x @ comps.T


def _plot_map(ax, xy, labels: list[str | None], title: str) -> None:
    from collections import Counter

    import matplotlib.pyplot as plt

    top = [name for name, _ in Counter(lb for lb in labels if lb).most_common(10)]
    colours = plt.get_cmap("tab10")
    for i, name in enumerate(top):
        sel = [j for j, lb in enumerate(labels) if lb == name]
        ax.scatter(xy[sel, 0], xy[sel, 1], s=8, alpha=0.7, color=colours(i), label=_short(name, 28))
    rest = [j for j, lb in enumerate(labels) if lb not in top]
    if rest:
        ax.scatter(xy[rest, 0], xy[rest, 1], s=6, alpha=0.4, color="#bbbbbb", label="other / none")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=7, loc="best", markerscale=2)


def _plot_neighbourhood(ax, result) -> None:
    import math

    from relmine.names import display_name

    items = result.items
    ax.scatter([0], [0], s=400, color="#55a868", zorder=3)
    ax.annotate(_short(display_name(result.sku, result.title), 40), (0, 0), ha="center", va="center",
                fontsize=8, zorder=4, xytext=(0, -22), textcoords="offset points", weight="bold")
    top = max((r.score for r in items), default=1.0) or 1.0
    # an item with evidence of both kinds is drawn with the kind of its strongest evidence
    kind_of = lambda r: r.evidence[0].kind if r.kind == "mixed" and r.evidence else r.kind
    for i, r in enumerate(items):
        a = 2 * math.pi * i / len(items)
        x, y = math.cos(a), math.sin(a)
        colour = KIND_COLOURS.get(kind_of(r), "#999999")
        ax.plot([0, x], [0, y], color=colour, linewidth=1 + 4 * r.score / top, zorder=1)
        ax.scatter([x], [y], s=160, color=colour, zorder=3)
        ax.annotate(_short(display_name(r.sku, r.title), 32), (x, y), ha="center", fontsize=7,
                    xytext=(0, 9 if y >= 0 else -14), textcoords="offset points")
    for kind, colour in KIND_COLOURS.items():
        if any(kind_of(r) == kind for r in items):
            ax.plot([], [], color=colour, linewidth=3, label=kind)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.4, 1.4)
    ax.set_axis_off()
    ax.set_title(f"Recommendations for {_short(display_name(result.sku, result.title), 50)} (edge width: score)")


# -- plots -----------------------------------------------------------------------------------------
def _plots(data: ReportData, out: Path) -> dict[str, Path]:
    """The report's PNG plots in ``out``, by name; a plot with nothing to show is left out (counts: never)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: dict[str, Path] = {}

    def save(fig, name: str) -> None:
        path = out / f"{name}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        made[name] = path

    save(_counts_figure(plt, data.counts), "counts")
    if data.rules:
        save(_rules_figure(plt, data.rules), "rules")
    if data.clusters:
        save(_clusters_figure(plt, data.clusters), "clusters")
    if len(data.embeddings) >= 3:
        save(_map_figure(plt, data.embeddings), "map")
    if data.neighbourhood is not None:
        fig, ax = plt.subplots(figsize=(8, 6))
        _plot_neighbourhood(ax, data.neighbourhood)
        save(fig, "neighbourhood")
    return made


def _counts_figure(plt, counts: list[dict[str, Any]]):
    """Nodes by label and relationships by type, on a log scale."""
    rows = [r for r in counts if r["count"]]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.35 * len(rows) + 1)))
    if rows:
        labels = [f"{r['name']} ({'node' if r['kind'] == 'node' else 'rel'})" for r in rows]
        colours = ["#4c72b0" if r["kind"] == "node" else "#dd8452" for r in rows]
        ax.barh(labels, [r["count"] for r in rows], color=colours)
        ax.set_xscale("log")
        ax.invert_yaxis()
    else:
        ax.text(0.5, 0.5, "empty graph", ha="center", va="center", fontsize=14)
        ax.set_axis_off()
    ax.set_title("Graph contents (log scale)")
    return fig


def _rules_figure(plt, rules: list[dict[str, Any]]):
    """Support against confidence of the product rules, coloured by lift."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    sc = ax.scatter([r["support"] for r in rules], [r["confidence"] for r in rules],
                    c=[r["lift"] for r in rules], cmap="viridis", s=14, alpha=0.8)
    fig.colorbar(sc, ax=ax, label="lift")
    ax.set_xscale("log")
    ax.set_xlabel("support")
    ax.set_ylabel("confidence")
    ax.set_title(f"{len(rules)} product rules of run {rules[0]['run']}")
    return fig


def _clusters_figure(plt, clusters: list[dict[str, Any]]):
    """The sizes of the 25 largest clusters."""
    shown = clusters[:25]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.3 * len(shown) + 1)))
    ax.barh([_short(c["label"] or c["cluster"], 40) for c in shown], [c["size"] for c in shown], color="#55a868")
    ax.invert_yaxis()
    ax.set_xlabel("products")
    ax.set_title(f"Largest clusters of run {shown[0]['run']} ({shown[0]['method']})")
    return fig


def _map_figure(plt, embeddings: list[dict[str, Any]]):
    """The embeddings' 2D projection twice: coloured by cluster, and by category."""
    xy = project_2d([r["embedding"] for r in embeddings])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
    _plot_map(axes[0], xy, [r["cluster"] for r in embeddings], "Embeddings (PCA), coloured by cluster")
    _plot_map(axes[1], xy, [r["category"] for r in embeddings], "Embeddings (PCA), coloured by category")
    return fig


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# -- html ------------------------------------------------------------------------------------------
def _table(rows: list[dict], columns: list[str], test_id: str) -> str:
    if not rows:
        return f'<p class="empty" data-testid="{test_id}-empty">none yet</p>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f'<table data-testid="{test_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return html.escape(", ".join(str(v) for v in value))
    return html.escape(str(value))


# the figures a runs table shows of each kind (exact flat names, or a level's or motif kind's ``<x>_<name>``)
_HEADLINE = ("model_hits@50", "ra_hits@50", "model_auc", "best_epoch", "clusters", "nmi", "ari", "weighting",
             "bar_met", "probe_accuracy", "model_macro_f1", "content_macro_f1", "same_graph",
             "file", "rows_read", "rows_rejected", "duplicates")  # the last four: an ingest (its (:Source))
_HEADLINE_SUFFIXES = ("_rules", "_itemsets", "_baskets", "_instances")


def _metrics_text(run: dict) -> str:
    """A run's headline figures from its flat ``metric_*`` values (every kind records them), or why it failed."""
    if run.get("error"):
        return f"failed: {run['error']}"
    flat = {str(k): v for k, v in (run.get("metric_values") or [])}
    chosen = sorted(k for k in flat if k in _HEADLINE or k.endswith(_HEADLINE_SUFFIXES)) or sorted(flat)[:6]
    return "; ".join(f"{k}={_fmt(flat[k])}" for k in chosen[:10])


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} img{max-width:100%;border:1px solid #eee} .note{color:#a50}
"""

_CHECK = """
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  var el = document.getElementById('render-check');
  el.setAttribute('data-images', String(imgs.length));
  el.setAttribute('data-broken', String(bad.length));
  el.textContent = bad.length ? 'broken images: ' + bad.map(function (i) { return i.getAttribute('src'); }).join(', ')
                              : imgs.length + ' plots loaded';
});
"""


def render_html(data: ReportData, plots: dict[str, Path], notes: list[str]) -> str:
    nodes = {r["name"]: r["count"] for r in data.counts if r["kind"] == "node"}
    rels = {r["name"]: r["count"] for r in data.counts if r["kind"] == "relationship"}
    summary = ", ".join(f"{n:,} {html.escape(k)}" for k, n in sorted(nodes.items())) or "no nodes"
    rel_summary = ", ".join(f"{n:,} {html.escape(k)}" for k, n in sorted(rels.items())) or "no relationships"
    runs = [{**r, "metrics": _metrics_text(r)} for r in data.runs]
    rules = [{**r, "rule": f"{' + '.join(r['if_names'])} ⇒ {' + '.join(r['then_names'])}"} for r in data.rules[:20]]
    cat_rules = [{**r, "rule": f"{' + '.join(r['if_names'])} ⇒ {' + '.join(r['then_names'])}"}
                 for r in data.category_rules]
    img = lambda name, alt: (f'<img data-testid="plot-{name}" src="{plots[name].name}" alt="{html.escape(alt)}">'
                             if name in plots else "")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>relmine report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>relmine report</h1>",
        f"<p>Generated {html.escape(data.generated)}.</p>",
        f'<p id="render-check" data-testid="render-check" data-images="?" data-broken="?">checking plots…</p>',
        *(f'<p class="note" data-testid="note">{html.escape(n)}</p>' for n in notes),
        '<h2 id="graph">Graph</h2>',
        f'<p data-testid="graph-summary">Nodes: {summary}. Relationships: {rel_summary}.</p>',
        img("counts", "node and relationship counts"),
        '<h2 id="runs">Latest runs</h2>',
        _table(runs, ["run", "kind", "status", "finished_at", "metrics"], "runs"),
        '<h2 id="rules">Top rules by lift</h2>',
        img("rules", "support vs confidence of the product rules, coloured by lift"),
        _table(rules, ["rule", "support", "confidence", "lift", "conviction", "orders"], "rules"),
        '<h3>Category rules</h3>',
        _table(cat_rules, ["rule", "support", "confidence", "lift", "conviction"], "category-rules"),
        '<h2 id="clusters">Clusters</h2>',
        img("clusters", "largest clusters"),
        _table(data.clusters[:30], ["cluster", "label", "size", "top_category", "purity", "terms", "sample"],
               "clusters"),
        '<h2 id="map">Embedding map</h2>',
        img("map", "2D map of the product embeddings, coloured by cluster and by category")
        or '<p class="empty" data-testid="map-empty">no embeddings yet (train the GNN)</p>',
        '<h2 id="neighbourhood">One product\'s recommendations</h2>',
        img("neighbourhood", "a product and its recommendations, edges coloured by kind")
        or '<p class="empty" data-testid="neighbourhood-empty">no product with recommendations</p>',
        f"<script>{_CHECK}</script></body></html>",
    ]
    return "\n".join(parts)


def write_report(gw: Gateway, out: str | Path, *, top: int = 20) -> Report:
    """Gather, plot, and write ``<out>/index.html``; returns where it went."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    data = gather(gw, top=top)
    notes = []
    if data.empty:
        notes.append("The graph is empty: ingest orders or relations first (see `relmine --help`).")
    if not data.runs:
        notes.append("No runs yet: mine rules with `relmine rules` and clusters with `relmine clusters`.")
    plots = _plots(data, out)
    page = out / "index.html"
    page.write_text(render_html(data, plots, notes), encoding="utf-8")
    return Report(page, list(plots.values()), data, notes)
