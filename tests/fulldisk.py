"""Test doubles of the disk an ingest writes to: a disk with a few bytes left (``ENOSPC`` once they are
used up) and a folder that refuses writes (``EACCES``, as for a user other than root: root ignores
permission bits, so the tests cannot get this error from the real file system).

They stand in for the built-in ``open`` of the modules that write scratch and rejects files
(``install(monkeypatch, module, ...)``); reads go to the real file system.
"""

from __future__ import annotations

import builtins
import errno
import os
from typing import Any

#: the modules of relmine that open files for writing during an ingest
WRITERS = ("relmine.ingest.parsed", "relmine.ingest.spill", "relmine.ingest.pairs", "relmine.ingest.load")


def _writes(mode: str) -> bool:
    return any(c in mode for c in "wax+")


class FullDisk:
    """A disk with ``free`` bytes left; ``raised`` counts the writes it refused."""

    def __init__(self, free: int = 0):
        self.free = free
        self.raised = 0

    def open(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = builtins.open(file, mode, *args, **kwargs)
        return _Limited(fh, self, os.fspath(file)) if _writes(mode) else fh

    def install(self, monkeypatch, *modules: str) -> "FullDisk":
        for name in modules or WRITERS:
            monkeypatch.setattr(f"{name}.open", self.open, raising=False)
        return self


class _Limited:
    """A file whose writes take from its disk's free bytes."""

    def __init__(self, fh: Any, disk: FullDisk, name: str):
        self._fh = fh
        self._disk = disk
        self._name = name

    def write(self, data: Any) -> int:
        n = len(data)
        if n > self._disk.free:
            self._disk.raised += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as write(2): no file name
        self._disk.free -= n
        return self._fh.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __enter__(self) -> "_Limited":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._fh.close()


class Forbidden:
    """A folder where opening a file for writing fails with ``EACCES`` (``PermissionError``)."""

    def __init__(self):
        self.raised = 0

    def open(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if _writes(mode):
            self.raised += 1
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return builtins.open(file, mode, *args, **kwargs)

    def install(self, monkeypatch, *modules: str) -> "Forbidden":
        for name in modules or WRITERS:
            monkeypatch.setattr(f"{name}.open", self.open, raising=False)
        return self
