"""Which torch device relmine computes on."""

from __future__ import annotations

import os


def pick_device(prefer: str | None = None) -> str:
    """``cuda`` when a GPU is present (unless ``RELMINE_DEVICE`` says otherwise), else ``cpu``."""
    import torch

    want = prefer or os.environ.get("RELMINE_DEVICE", "auto")
    if want == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if want.startswith("cuda") and not torch.cuda.is_available():
        return "cpu"
    return want


def describe_device() -> str:
    try:
        import torch
    except ImportError:
        return "torch missing"
    dev = pick_device()
    if dev.startswith("cuda"):
        return f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}"
    return f"torch {torch.__version__} on cpu ({torch.get_num_threads()} threads)"
