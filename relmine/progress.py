"""Progress for long work: a tqdm bar on a terminal, periodic plain lines (rate, ETA) otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``with Progress("ingest", total=n, unit="rows") as p: p.update(k)``.

    On a terminal it draws a tqdm bar; elsewhere (CI, logs, workers) it
    prints a line every ``every`` seconds with done/total, rate and ETA.
    """

    def __init__(self, desc: str, total: int | None = None, unit: str = "it", *,
                 every: float = 10.0, stream: TextIO | None = None, enabled: bool = True):
        self.desc, self.total, self.unit, self.every = desc, total, unit, every
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.done = 0
        self._t0 = time.monotonic()
        self._last = self._t0
        self._bar = None
        if enabled and self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=self.stream,
                             dynamic_ncols=True)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if self.enabled and now - self._last >= self.every:
            self._last = now
            print(self.line(), file=self.stream, flush=True)

    def set_total(self, total: int) -> None:
        """A total found (or estimated) after the start."""
        self.total = total
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    @property
    def rate(self) -> float:
        return self.done / max(time.monotonic() - self._t0, 1e-9)

    def line(self) -> str:
        rate = self.rate
        total = f"/{self.total:,}" if self.total else ""
        eta = ""
        if self.total and rate > 0:
            eta = f", ETA {max(self.total - self.done, 0) / rate:,.0f}s"
        return f"{self.desc}: {self.done:,}{total} {self.unit} ({rate:,.0f} {self.unit}/s{eta})"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.enabled and self.done:
            print(self.line() + f" done in {time.monotonic() - self._t0:,.1f}s", file=self.stream, flush=True)
            self.enabled = False


class Rate:
    """Throttled progress lines for callers that report elsewhere (a run's log, a logger).

    ``line(done, total, unit)`` returns ``"done/total unit (rate unit/s, ETA s)"`` at most every
    ``every`` seconds (and at the end), else None.
    """

    def __init__(self, every: float = 15.0):
        self.every = every
        self.reset()

    def reset(self) -> None:
        self._t0 = self._last = time.monotonic()

    def line(self, done: int, total: int, unit: str, *, extra: str = "") -> str | None:
        now = time.monotonic()
        if now - self._last < self.every and done < total:
            return None
        self._last = now
        rate = done / max(now - self._t0, 1e-9)
        eta = f", ETA {max(total - done, 0) / rate:,.0f}s" if rate > 0 and done < total else ""
        more = f", {extra}" if extra else ""
        return f"{done:,}/{total:,} {unit} ({rate:,.0f} {unit}/s{eta}{more})"
