"""bench/orders_by_date.py: an export split by date and its later sale baskets, columns found by relmine's aliases."""

import gzip

import pytest

from bench.orders_by_date import late_pairs, sale_baskets, split_by_date

# another retailer's names: order_id, product_id, qty, order_date, status (all relmine aliases)
ROWS = """order_id,product_id,qty,order_date,status
A1,p1,1,2021-01-05 10:00:00,sale
A1,p2,2,2021-01-05 10:00:00,sale
A2,p2,1,2021-02-01,sale
A3,p1,1,2021-02-02T09:30:00,sale
A3,p3,1,2021-02-02T09:30:00,sale
A3,p9,1,2021-02-02T09:30:00,sale
A4,p1,1,2021-02-03,sale
A4,p3,-1,2021-02-03,sale
C5,p1,1,2021-02-04,sale
C5,p3,1,2021-02-04,sale
A6,p1,1,2021-02-05,refund
A6,p3,1,2021-02-05,refund
A7,p1,1,2021-02-06,sale
A7,p3,1,2021-02-06,sale
A7,p2,1,2021-02-06,sale
A8,p1,1,,sale
"""


def test_split_by_aliases_and_the_later_sale_baskets(tmp_path):
    src = tmp_path / "orders.csv"
    src.write_text(ROWS)
    early, late, n_early, n_late = split_by_date(src, "2021-02-01", tmp_path)
    # before: A1's two lines and A8 (no time: the ingest decides); from the cutoff on: the rest, rows untouched
    assert (n_early, n_late) == (3, 13)
    with gzip.open(late, "rt") as f:
        lines = f.read().splitlines()
    assert lines[0] == "order_id,product_id,qty,order_date,status" and lines[1] == "A2,p2,1,2021-02-01,sale"
    index = {"p1": 0, "p2": 1, "p3": 2}
    basket, product = sale_baskets(late, index)
    # left out: p9 (not in the graph), A4's returned line, C5 (a cancellation), A6 (a refund)
    assert sorted(zip(basket.tolist(), product.tolist())) == [(0, 1), (1, 0), (1, 2), (2, 0), (3, 0), (3, 1), (3, 2)]
    keys, counts = late_pairs(late, index)
    assert keys.tolist() == [0 * 3 + 1, 0 * 3 + 2, 1 * 3 + 2] and counts.tolist() == [1, 2, 1]


def test_a_file_without_a_time_column_is_refused(tmp_path):
    src = tmp_path / "orders.csv"
    src.write_text("basket_id,product_id,week\n1,p1,5\n")
    with pytest.raises(SystemExit, match="no time column"):
        split_by_date(src, "2021-02-01", tmp_path)


def test_unix_seconds_under_a_timestamp_alias_split_like_any_time(tmp_path):
    src = tmp_path / "orders.csv"  # the Complete Journey's layout: transaction_timestamp in Unix seconds
    src.write_text("basket_id,product_id,transaction_timestamp\n1,p1,1485630413.0\n2,p2,1498867200.0\n")
    before, after, n_before, n_after = split_by_date(src, "2017-06-01", tmp_path)
    assert (n_before, n_after) == (1, 1)
