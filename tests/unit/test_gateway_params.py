"""Long list parameters reach the driver with a short repr and pack byte for byte like plain lists."""

from __future__ import annotations

from neo4j._codec.packstream.v1 import PackableBuffer, Packer

from relmine.gateway import bulk_params


def packed(value) -> bytes:
    buf = PackableBuffer()
    Packer(buf).pack(value)
    return bytes(buf.data)


def test_long_lists_get_a_short_repr_and_the_same_bytes():
    rows = [{"sku": f"p{i}", "embedding": [i / 7, -1.5, 2.0e-3]} for i in range(1000)]
    params = {"rows": rows, "run": "r1", "few": [1, 2, 3]}
    quiet = bulk_params(params)
    assert repr(quiet["rows"]) == "<1000 items>"
    assert quiet["rows"] == rows and quiet["run"] == "r1" and quiet["few"] is params["few"]
    assert packed(quiet) == packed(params)
    assert params["rows"] is rows and type(params["rows"]) is list  # the caller's dict is left alone
