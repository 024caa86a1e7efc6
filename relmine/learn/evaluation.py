"""``relmine evaluate``: held-out link prediction of the GAT against CN/AA/RA and FastRP + cosine.

Where the graph comes from: an Amazon-Photo-style ``.npz`` file
(:func:`relmine.gnn.datasets.load_amazon_photo`, with its category labels for
the linear probe), or the product graph in Neo4j (:func:`product_graph`:
every ``Product`` and the chosen observed relation types, merged into one
undirected graph, with the node features of training, no labels).

What runs (:func:`run_evaluation`): per seed, the protocol of
:func:`relmine.gnn.evaluate.evaluate_seeds` under the recipe of
:mod:`relmine.gnn.recipe`, with GDS FastRP + cosine
(:class:`relmine.learn.fastrp.FastRPScorers`) on each seed's training graph
when a gateway is given; then mean ± std over seeds, the bar (model Hits@50
at least :data:`BAR_MARGIN` above RA's and AUC at least :data:`BAR_AUC`), a
PNG and a JSON file.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.utils import coalesce

from relmine import runs
from relmine.errors import InputError
from relmine.gateway import Gateway
from relmine.gnn import recipe
from relmine.gnn.evaluate import MODEL as MODEL_NAME
from relmine.gnn.evaluate import SeedResult, evaluate_seeds, summarize
from relmine.gnn.typed import (METHODS, TYPED, ModelSpec, TypedGraph, TypedReport, build_typed_graph, evaluate_typed,
                                format_typed_table, plot_confusions)

BAR_MARGIN = 0.10   # model Hits@50 minus RA's Hits@50
BAR_AUC = 0.98
COLUMNS = ("auc", "hits@20", "hits@50", "hits@100", "mrr")
log = logging.getLogger(__name__)
HEADERS = {"auc": "AUC", "hits@20": "Hits@20", "hits@50": "Hits@50", "hits@100": "Hits@100", "mrr": "MRR"}


def product_graph(gw: Gateway, types: Sequence[str], *, text_dim: int = 256) -> Data:
    """Every product (row ``i``: ``skus[i]``, sorted) and its relations of ``types``, undirected.

    Features are those of training (:func:`relmine.gnn.features.node_features`);
    relation types and weights are merged away (existence is what is evaluated).
    """
    from relmine.learn.extract import extract_skus

    skus = [r["sku"] for r in gw.read("evaluate/product_skus")]
    if len(skus) < 3:
        raise InputError(f"the graph holds {len(skus)} products; evaluation needs a real product graph "
                         "(ingest one first, e.g. `relmine generate` + `relmine ingest`)")
    sub = extract_skus(gw, skus, list(types), halo_hops=0, text_dim=text_dim)
    ei = sub.data.edge_index
    ei = coalesce(ei[:, ei[0] != ei[1]], num_nodes=len(skus))
    if ei.size(1) < 20:
        raise InputError(f"only {ei.size(1) // 2} relations of type {', '.join(types)} between products; "
                         "too few to hold out a test set")
    data = Data(x=sub.data.x, edge_index=ei, num_nodes=len(skus))
    data.skus = sub.skus
    return data


@dataclass
class EvalSpec:
    """What ``relmine evaluate`` runs (defaults: the measured recipe, seeds 0 1 2)."""

    seeds: tuple[int, ...] = (0, 1, 2)
    epochs: int | None = None          # None: the recipe's
    hidden: int | None = None          # None: the recipe's
    conv: str | None = None            # None: the recipe's
    device: str = "auto"
    out: Path = Path("out/evaluate")
    checkpoints: Path | None = None    # None: no checkpoints; resumable per seed otherwise
    fresh: bool = False                # delete the checkpoints first
    probe: bool = True
    val_ratio: float = 0.05
    test_ratio: float = 0.10
    mrr_negatives: int = 100
    dataset: str = "graph"


@dataclass
class EvalReport:
    spec: EvalSpec
    results: list[SeedResult]
    summary: dict[str, dict[str, tuple[float, float]]]
    probe: tuple[float, float] | None
    margin: float
    auc: float
    bar_met: bool
    seconds: float
    png: Path
    json_path: Path
    extras: list[str] = field(default_factory=list)

    @property
    def device(self) -> str:
        """The torch device training ran on (``auto`` resolved)."""
        from relmine.device import pick_device

        return pick_device(None if self.spec.device == "auto" else self.spec.device)

    def as_dict(self) -> dict:
        s = self.spec
        return {
            "dataset": s.dataset, "seeds": list(s.seeds), "device": self.device,
            "split": {"train": round(1 - s.val_ratio - s.test_ratio, 4), "val": s.val_ratio, "test": s.test_ratio,
                      "mrr_negatives": s.mrr_negatives},
            "model": recipe.model_kwargs(hidden=s.hidden, conv=s.conv),
            "train": {**recipe.TRAIN, "epochs": s.epochs or recipe.TRAIN["epochs"]},
            "summary": {m: {k: {"mean": v[0], "std": v[1]} for k, v in vals.items()}
                        for m, vals in self.summary.items()},
            "probe": None if self.probe is None else {"mean": self.probe[0], "std": self.probe[1]},
            "per_seed": [{"seed": r.seed, "metrics": r.metrics, "probe": r.probe, "best_epoch": r.best_epoch,
                          "epochs_run": len(r.history), "train_seconds_this_run": r.train_seconds,
                          "train_seconds_per_epoch": [h.seconds for h in r.history]} for r in self.results],
            "bar": {"hits50_margin_over_ra": self.margin, "need_margin": BAR_MARGIN, "auc": self.auc,
                    "need_auc": BAR_AUC, "met": self.bar_met},
            "seconds": self.seconds, "png": str(self.png),
        }


def run_evaluation(data: Data, spec: EvalSpec, *, extra=None,
                   log: Callable[[str], None] = print) -> EvalReport:
    """Evaluate on ``data`` once per seed, summarise, write ``<out>/evaluation.{png,json}``."""
    if data.edge_index.size(1) < 20:
        raise InputError("the graph has too few edges to hold out a test set")
    out = Path(spec.out)
    out.mkdir(parents=True, exist_ok=True)
    if spec.checkpoints is not None:
        if spec.fresh and spec.checkpoints.exists():
            shutil.rmtree(spec.checkpoints)
        spec.checkpoints.mkdir(parents=True, exist_ok=True)
    png, json_path = out / "evaluation.png", out / "evaluation.json"
    t0 = time.perf_counter()
    try:
        results = evaluate_seeds(
            data, list(spec.seeds), recipe.model_kwargs(hidden=spec.hidden, conv=spec.conv),
            recipe.train_config(epochs=spec.epochs, device=spec.device), extra=extra, probe=spec.probe,
            val_ratio=spec.val_ratio, test_ratio=spec.test_ratio, mrr_negatives=spec.mrr_negatives,
            plot_path=png, checkpoint_dir=spec.checkpoints, log=log)
    except ValueError as exc:
        if "checkpoint" in str(exc):
            raise InputError(f"{exc} (or pass --fresh)") from exc
        raise
    summary = summarize([r.metrics for r in results])
    probes = [r.probe["mean"] for r in results if r.probe]
    probe = (float(np.mean(probes)), float(np.std(probes))) if probes else None
    model, ra = summary[MODEL_NAME], summary.get("RA")
    margin = model["hits@50"][0] - (ra["hits@50"][0] if ra else 0.0)
    auc = model["auc"][0]
    report = EvalReport(spec, results, summary, probe, margin, auc,
                        bool(ra) and margin >= BAR_MARGIN and auc >= BAR_AUC,
                        time.perf_counter() - t0, png, json_path,
                        [m for m in summary if m not in (MODEL_NAME, "CN", "AA", "RA")])
    json_path.write_text(json.dumps(report.as_dict(), indent=2))
    return report


def format_report(report: EvalReport) -> str:
    """The table (rows: methods; columns: AUC, Hits@20/50/100, MRR as mean ± std), probe and bar."""
    s = report.spec
    methods = list(report.summary)
    width = max(len(m) for m in methods) + 2
    lines = [f"{s.dataset}: {round(100 * (1 - s.val_ratio - s.test_ratio))}/{round(100 * s.val_ratio)}/"
             f"{round(100 * s.test_ratio)} random edge split, seeds {' '.join(map(str, s.seeds))} "
             f"(mean ± std over {len(s.seeds)} seed{'s' if len(s.seeds) > 1 else ''})",
             "Hits@K: test edges against one shared set of uniform non-edges (as many as test edges); "
             f"MRR: against {s.mrr_negatives} corrupted tails per test edge",
             "",
             "method".ljust(width) + "".join(HEADERS[c].rjust(18) for c in COLUMNS)]
    for m in methods:
        lines.append(m.ljust(width) + "".join(
            f"{report.summary[m][c][0]:.4f} ± {report.summary[m][c][1]:.4f}".rjust(18) for c in COLUMNS))
    lines.append("")
    if report.probe is not None:
        lines.append(f"linear probe of the model's embeddings (node labels, 10/10/80 splits, logistic regression): "
                     f"accuracy {report.probe[0]:.4f} ± {report.probe[1]:.4f}")
    best = [r.best_epoch for r in report.results]
    lines.append(f"best epochs {best}; {report.seconds:.0f}s in all on {report.device}")
    lines.append(f"bar: Hits@50 margin over RA {report.margin:+.4f} (need +{BAR_MARGIN:.2f}), "
                 f"AUC {report.auc:.4f} (need {BAR_AUC:.2f}) -> {'MET' if report.bar_met else 'NOT MET'}")
    lines.append(f"wrote {report.png} and {report.json_path}")
    return "\n".join(lines)


# -- relmine evaluate --typed: the typed graph read from Neo4j, evaluated by relmine.gnn.typed -----------
def read_typed_graph(gw: Gateway) -> TypedGraph:
    """The typed product graph from Neo4j (``cypher/evaluate/typed_*.cypher``)."""
    products = gw.read("evaluate/typed_products")
    relations = gw.read("evaluate/typed_relations", {"types": list(TYPED)})
    return build_typed_graph(products, relations)


def run_typed_evaluation(gw: Gateway, seeds: Sequence[int], *, out, epochs: int | None = None,
                         hidden: int | None = None, device: str = "auto", test_share: float = 0.2,
                         dataset: str | None = None, log: Callable[[str], None] = lambda line: None) -> tuple[TypedReport, str]:
    """``relmine evaluate --typed``: read the typed graph, evaluate every seed, write a PNG and a JSON file."""
    graph = read_typed_graph(gw)
    kinds = graph.kind_labels()
    log(f"typed graph: {graph.num_nodes:,} products, {len(graph.pairs):,} typed pairs "
        f"({', '.join(graph.relation_types)}): {(kinds == 0).sum():,} complement-only, "
        f"{(kinds == 1).sum():,} substitute-only, {(kinds == -1).sum():,} both")
    spec = ModelSpec(epochs=epochs or ModelSpec.epochs, hidden=hidden or ModelSpec.hidden, device=device)
    report = evaluate_typed(graph, seeds, spec, dataset=dataset or "Neo4j product graph", test_ratio=test_share,
                            on_seed=lambda o: log(f"seed {o.seed}: " + ", ".join(
                                f"{m} macro-F1 {o.classify[m]['macro_f1']:.3f}" for m in METHODS)
                                + f" ({o.epochs} epochs, {o.seconds:.0f}s)"))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    png, js = out / "typed_confusion.png", out / "typed.json"
    plot_confusions(png, [report])
    js.write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
    return report, format_typed_table(report) + f"\nwrote {png} and {js}"


# -- every evaluation is a run of kind 'evaluate' (relmine.runs) --------------------------------------------
def method_key(method: str) -> str:
    """A method's name in an evaluate run's metrics: the GAT is ``model`` (as on a training run), the others in
    lower case (``ra``, ``fastrp_cosine``), so ``metric_model_hits@50`` means the same on both kinds."""
    return "model" if method == MODEL_NAME else method.lower()


def _mean_std_metrics(summary: dict[str, dict[str, tuple[float, float]]]) -> dict[str, dict[str, float]]:
    return {method_key(m): {**{k: v[0] for k, v in vals.items()}, **{f"{k}_std": v[1] for k, v in vals.items()}}
            for m, vals in summary.items()}


def split_metrics(report: EvalReport) -> dict:
    """The figures an evaluate run of the random edge split records: per method the mean over seeds of every
    column (``model: {auc, hits@50, ...}``) and its standard deviation (``hits@50_std``), the probe, the bar."""
    metrics: dict = _mean_std_metrics(report.summary)
    metrics.update(bar_margin=report.margin, bar_auc=report.auc, bar_met=report.bar_met, seconds=report.seconds,
                   seeds=len(report.results), best_epochs=[r.best_epoch for r in report.results])
    if report.probe is not None:
        metrics["probe_accuracy"], metrics["probe_accuracy_std"] = report.probe
    return metrics


def typed_metrics(report: TypedReport) -> dict:
    """The figures an evaluate run of ``--typed`` records: per method kind accuracy and macro-F1 (mean and
    ``_std`` over seeds), model's and RA's Hits@K per type, the bar."""
    return {**_mean_std_metrics(report.summary), "bar_met": report.bar_met, "seeds": len(report.outcomes),
            "products": report.products, "typed_pairs": report.pairs}


def rescored_metrics(result: dict) -> dict:
    """The figures an evaluate run of ``--run`` records: the shipped model's and CN/AA/RA's on the run's test
    slice, and whether the graph is still the one the run saw."""
    return {**{method_key(m): dict(v) for m, v in result["test"].items()}, "same_graph": result["same_graph"],
            "products": result["graph"]["products"], "relations_kept": result["graph"]["relations_kept"]}


@dataclass
class EvaluationRun:
    """The run an evaluation is recorded as (``run_id`` None when nothing is recorded)."""

    gw: Gateway | None
    run_id: str | None
    params: dict
    recorded: bool = False

    def record(self, metrics: dict) -> None:
        """The evaluation is ``done`` with these figures (JSON and flat ``metric_*``)."""
        if self.gw is not None:
            runs.record_run(self.gw, self.run_id, "evaluate", self.params, metrics)
        self.recorded = True


@contextmanager
def evaluation_run(gw: Gateway | None, params: dict) -> Iterator[EvaluationRun]:
    """An evaluation recorded as a ``(:Run {kind: 'evaluate'})`` (:mod:`relmine.runs`): ``running`` while the
    body works, ``failed`` with the reason if it raises, ``done`` with the figures the body hands to
    :meth:`EvaluationRun.record`. With no gateway (an offline evaluation of a file) nothing is recorded."""
    if gw is None:
        yield EvaluationRun(None, None, params)
        return
    run = EvaluationRun(gw, runs.new_run_id("evaluate"), params)
    with runs.job(gw, run.run_id, "evaluate", params):
        yield run
        if not run.recorded:
            raise RuntimeError("the evaluation ended without its figures")
    log.info("evaluation recorded as run %s", run.run_id)
