"""Association rules over the baskets in Neo4j, written back as ``(:Rule)`` nodes.

``mine_rules(gw, RulesSpec(...))`` reads the orders (``(:Order)-[:CONTAINS]->(:Product)``),
mines frequent itemsets and rules in process (:mod:`relmine.rules.mining`) at
product and at category level, and writes every rule as
``(:Rule {id, run, level, support, confidence, lift, leverage, conviction})``
with ``[:IF]`` to its antecedent items and ``[:THEN]`` to its consequent
items, plus a ``(:Run {id, kind: 'rules'})``. Writing the same run id again
replaces that run's rules (idempotent). The run id is ``run_id`` in Python and ``$run_id`` in
Cypher; the stored property stays ``run`` (``(:Rule {run})``), which BI queries read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field, replace

from relmine.errors import InputError
from relmine.gateway import Gateway
from relmine.names import display_name
from relmine.progress import Progress
from relmine.rules.mining import Baskets, Rule, association_rules, check_fraction, frequent_itemsets
from relmine.runs import check_run_id, job, record_run

log = logging.getLogger(__name__)

LEVELS = ("product", "category")
_READ = {"product": "rules/read_product_baskets", "category": "rules/read_category_baskets"}
_WRITE = {"product": "rules/merge_product_rules", "category": "rules/merge_category_rules"}


@dataclass(frozen=True)
class RulesSpec:
    """What to mine.

    Args:
        min_support: itemsets in at least this share of the baskets, in (0, 1] (default 0.01).
        min_confidence: rules with at least this confidence, in [0, 1] (default 0.25).
        min_lift: optionally, rules with at least this lift.
        max_len: longest itemset (default: no limit).
        levels: ``product`` and/or ``category``.
        run_id: run id (default: a new one).
        write: write the rules back (default True).
    """

    min_support: float = 0.01
    min_confidence: float = 0.25
    min_lift: float | None = None
    max_len: int | None = None
    levels: tuple[str, ...] = LEVELS
    run_id: str | None = None
    write: bool = True

    def validated(self) -> "RulesSpec":
        check_fraction("min_support", self.min_support)
        check_fraction("min_confidence", self.min_confidence, allow_zero=True)
        if self.min_lift is not None and not self.min_lift >= 0:
            raise InputError(f"min_lift must be a non-negative number, got {self.min_lift}")
        if self.max_len is not None and self.max_len < 2:
            raise InputError(f"max_len must be at least 2 (a rule needs two items), got {self.max_len}")
        bad = [lv for lv in self.levels if lv not in LEVELS]
        if bad or not self.levels:
            raise InputError(f"levels must be among {', '.join(LEVELS)}; got {', '.join(self.levels) or 'none'}")
        return self


@dataclass
class LevelResult:
    level: str
    baskets: int
    items: int
    itemsets: int
    rules: list[Rule] = field(repr=False, default_factory=list)
    seconds: float = 0.0
    names: dict[str, str] = field(repr=False, default_factory=dict)  # item -> display name (product level)

    def describe(self, rule: Rule) -> str:
        """``"Whole Milk (21231) + Bread (88) => Butter (17)"``; items without a readable title by SKU."""
        name = lambda item: self.names.get(item, item)
        return f"{' + '.join(map(name, rule.antecedent))} => {' + '.join(map(name, rule.consequent))}"

    def metrics(self) -> dict:
        one = sum(1 for r in self.rules if len(r.consequent) == 1)
        return {"baskets": self.baskets, "items": self.items, "itemsets": self.itemsets,
                "rules": len(self.rules), "rules_single_consequent": one,
                "max_lift": max((r.lift for r in self.rules), default=0.0),
                "seconds": round(self.seconds, 4)}


@dataclass
class RulesResult:
    run_id: str
    spec: RulesSpec
    levels: dict[str, LevelResult]
    written: int = 0

    def metrics(self) -> dict:
        return {lv: res.metrics() for lv, res in self.levels.items()}


def read_baskets(gw: Gateway, level: str = "product") -> Baskets:
    """The orders' baskets at ``level`` (product skus or category paths)."""
    if level not in LEVELS:
        raise InputError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    rows = (row["items"] for row in gw.stream(_READ[level]))
    return Baskets.from_lists(rows)


def rule_id(run_id: str, level: str, rule: Rule) -> str:
    return f"{run_id}:{level}:{'|'.join(rule.antecedent)}=>{'|'.join(rule.consequent)}"


def item_names(gw: Gateway, skus: set[str], *, batch: int = 5000) -> dict[str, str]:
    """Display names (title with SKU, or the SKU alone) of the given products."""
    ordered = sorted(skus)
    names = {s: s for s in ordered}
    for i in range(0, len(ordered), batch):
        for row in gw.read("rules/read_product_titles", {"skus": ordered[i:i + batch]}):
            names[row["sku"]] = display_name(row["sku"], row["title"])
    return names


def rules_params(spec: RulesSpec) -> dict:
    """The settings a rules run records (its id and the write switch are not settings)."""
    params = {k: v for k, v in asdict(spec).items() if k not in ("run_id", "write")}
    params["levels"] = list(spec.levels)
    return params


def mine_rules(gw: Gateway, spec: RulesSpec) -> RulesResult:
    """Read baskets, mine itemsets and rules per level, write them back (see module doc). When it writes,
    its ``(:Run)`` is ``running`` meanwhile, ``done`` with the figures, or ``failed`` with the reason."""
    spec = spec.validated()
    spec = replace(spec, run_id=check_run_id(spec.run_id, "rules"))
    with job(gw, spec.run_id, "rules", rules_params(spec), record=spec.write):
        return _mine_rules(gw, spec)


def _mine_rules(gw: Gateway, spec: RulesSpec) -> RulesResult:
    run_id = spec.run_id
    results: dict[str, LevelResult] = {}
    for level in spec.levels:
        t0 = time.perf_counter()
        baskets = read_baskets(gw, level)
        if baskets.n == 0:
            raise InputError("the graph holds no orders with products: ingest baskets first "
                             "((:Order)-[:CONTAINS]->(:Product), e.g. `relmine ingest`)")
        if not baskets.items:
            log.warning("no %s items in the baskets (no IN_CATEGORY links?); skipping level %s", level, level)
            results[level] = LevelResult(level, baskets.n, 0, 0, [], time.perf_counter() - t0)
            continue
        itemsets = frequent_itemsets(baskets, spec.min_support, max_len=spec.max_len)
        rules = association_rules(itemsets, spec.min_confidence, min_lift=spec.min_lift)
        results[level] = LevelResult(level, baskets.n, len(baskets.items), len(itemsets), rules,
                                     time.perf_counter() - t0)
        if level == "product":
            results[level].names = item_names(gw, {i for r in rules for i in (*r.antecedent, *r.consequent)})
    result = RulesResult(run_id, spec, results)
    if spec.write:
        result.written = write_rules(gw, result)
    return result


def write_rules(gw: Gateway, result: RulesResult, *, batch_size: int = 2000) -> int:
    """Replace the run's ``(:Rule)`` nodes and record its ``(:Run)``; the number of rules written."""
    delete_run_rules(gw, result.run_id)
    total = sum(len(r.rules) for r in result.levels.values())
    written = 0
    with Progress(f"write rules {result.run_id}", total=total, unit="rules") as bar:
        for level, res in result.levels.items():
            rows = ({**r.as_dict(), "id": rule_id(result.run_id, level, r)} for r in res.rules)
            summary = gw.write_batches(_WRITE[level], rows, batch_size=batch_size, extra={"run_id": result.run_id},
                                       on_batch=lambda n, _s: bar.update(n))
            written += summary.nodes_created
    record_run(gw, result.run_id, "rules", rules_params(result.spec), result.metrics())
    return written


def delete_run_rules(gw: Gateway, run_id: str, *, batch: int = 10_000) -> int:
    deleted = 0
    while True:
        summary = gw.write("rules/delete_run_rules", {"run_id": run_id, "batch": batch})
        n = summary.records[0]["deleted"] if summary.records else 0
        deleted += n
        if n < batch:
            return deleted
