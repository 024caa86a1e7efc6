"""A small raw order export for the bulk-load tests: sales over a few dozen products, cancellations (``C``
ids), negative lines inside sales, service lines (POST), titles with quotes, commas and non-ASCII text, a free
column whose values are numbers in some orders and text in others, orders without a time, one rejected row."""

from __future__ import annotations

import csv
import random
from pathlib import Path

HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Channel"]


def write_orders(path: Path, n_orders: int = 400, seed: int = 5) -> Path:
    rnd = random.Random(seed)
    skus = [f"S{i:03d}" for i in range(60)]
    titles = {s: rnd.choice(['MUG "HEART"', "JAR, GLASS", "TASSE À CAFÉ", "LAMP", "BOX; SMALL"]) + f" {s}"
              for s in skus}
    rows = []
    for o in range(n_orders):
        oid = f"{536000 + o}"
        cancelled = o % 37 == 0
        when = "" if o % 53 == 0 else f"2011-{1 + o % 12:02d}-{1 + o % 28:02d} {o % 24:02d}:{o % 60:02d}"
        customer = "" if o % 11 == 0 else f"{12000 + o % 90}"
        channel = rnd.choice(["web", "7", "shop"]) if o % 5 else ""
        for sku in rnd.sample(skus, rnd.randint(1, 6)):
            qty = rnd.randint(1, 9)
            sign = "-" if cancelled or rnd.random() < 0.03 else ""
            price = f"{rnd.randint(1, 2000) / 100:.2f}"
            rows.append([("C" if cancelled else "") + oid, sku, titles[sku], f"{sign}{qty}", when, price, customer,
                         channel])
        if o % 9 == 0:
            rows.append([oid, "POST", "POSTAGE", "1", when, "18.00", customer, channel])
    rows.insert(17, ["536999", "S001", "MUG", "abc", "2011-01-01 10:00", "1.00", "12000", "web"])  # rejected
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path
