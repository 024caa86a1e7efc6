"""Benchmark: relmine's bitset miner vs mlxtend 0.25 on the Groceries baskets.

Both start from the same lists of baskets and end with the same rules
(checked here): mlxtend = TransactionEncoder + apriori(min_support=0.006) +
association_rules(metric="confidence", min_threshold=0.25); relmine =
Baskets.from_lists + frequent_itemsets + association_rules. Each side runs
``--repeat`` times in this process; the ratio is of the medians.

    python bench/rules.py [--repeat 5] [--min-support 0.006] [--min-confidence 0.25]

Last line: a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "groceries.csv"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per side (median reported)")
    ap.add_argument("--min-support", type=float, default=0.006, help="apriori min support")
    ap.add_argument("--min-confidence", type=float, default=0.25, help="rule min confidence")
    ap.add_argument("--data", type=Path, default=DATA, help="groceries.csv (one basket a line)")
    args = ap.parse_args()
    if not args.data.is_file():
        print(f"skip: {args.data} is absent", file=sys.stderr)
        return 2

    import pandas as pd
    from mlxtend.frequent_patterns import apriori, association_rules as mlx_rules
    from mlxtend.preprocessing import TransactionEncoder

    from relmine.rules.mining import Baskets, association_rules, frequent_itemsets

    with open(args.data, encoding="utf-8") as fh:
        baskets = [[i.strip() for i in line.rstrip("\r\n").split(",")] for line in fh if line.strip()]

    def run_mlxtend():
        te = TransactionEncoder()
        df = pd.DataFrame(te.fit(baskets).transform(baskets), columns=te.columns_)
        fi = apriori(df, min_support=args.min_support, use_colnames=True)
        return fi, mlx_rules(fi, metric="confidence", min_threshold=args.min_confidence)

    def run_relmine():
        fi = frequent_itemsets(Baskets.from_lists(baskets), args.min_support)
        return fi, association_rules(fi, args.min_confidence)

    def timed(fn):
        times, out = [], None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times), min(times), out

    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)
    t_ref, t_ref_min, (ref_sets, ref_rules) = timed(run_mlxtend)
    t_ours, t_ours_min, (our_sets, our_rules) = timed(run_relmine)

    ref = {(frozenset(r["antecedents"]), frozenset(r["consequents"])): r for r in ref_rules.to_dict("records")}
    ours = {(frozenset(r.antecedent), frozenset(r.consequent)): r for r in our_rules}
    worst = 0.0
    for key, r in ours.items():
        m = ref.get(key)
        if m is None:
            worst = float("inf")
            break
        for a, b in (("support", "support"), ("confidence", "confidence"), ("lift", "lift"),
                     ("leverage", "leverage"), ("conviction", "conviction")):
            x, y = getattr(r, a), m[b]
            if x != y:
                worst = max(worst, abs(x - y))
    same = set(ref) == set(ours) and len(ref_sets) == len(our_sets) and worst <= 1e-9
    figures = {
        "bench": "rules", "baseline": "mlxtend 0.25 apriori+association_rules", "data": "groceries",
        "baskets": len(baskets), "itemsets": len(our_sets), "rules": len(our_rules),
        "rules_single_consequent": sum(1 for r in our_rules if len(r.consequent) == 1),
        "same_output": same, "max_abs_metric_diff": worst,
        "mlxtend_s": round(t_ref, 4), "relmine_s": round(t_ours, 4),
        "mlxtend_min_s": round(t_ref_min, 4), "relmine_min_s": round(t_ours_min, 4),
        "speedup": round(t_ref / t_ours, 2), "repeat": args.repeat,
    }
    print(f"mlxtend {t_ref:.3f}s, relmine {t_ours:.3f}s (median of {args.repeat}): "
          f"relmine is {figures['speedup']}x faster; {len(our_sets)} itemsets, {len(our_rules)} rules, "
          f"same output: {same}")
    print(json.dumps(figures))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
