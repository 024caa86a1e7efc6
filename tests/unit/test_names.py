"""Display names: a readable title with the SKU, else the SKU alone."""

import pytest

from relmine.names import MAX_TITLE, display_name, readable_title


@pytest.mark.parametrize("sku, title, expected", [
    ("21231", "Whole milk 1l", "Whole milk 1l (21231)"),
    ("21231", "  Whole \n milk  ", "Whole milk (21231)"),
    ("21231", None, "21231"),                 # no title (e.g. it was only HTML and the cleaner dropped it)
    ("21231", "", "21231"),
    ("21231", "   ", "21231"),
    ("21231", "&&& ---", "21231"),            # no letter or digit: not readable
    ("whole milk", "whole milk", "whole milk"),  # basket files: the item name is sku and title
    ("21231", 42, "21231"),                   # not text
])
def test_display_name(sku, title, expected):
    assert display_name(sku, title) == expected


def test_long_titles_are_cut():
    name = readable_title("x" * 500, "s")
    assert len(name) == MAX_TITLE and name.endswith("…")
    assert display_name("s", "x" * 500) == name + " (s)"
