"""The folders an ingest writes to (the rejects file, the scratch files under ``$RELMINE_HOME/spill``):
checked before anything is written, and an ``OSError`` while writing them turned into one line that
names the path and the setting to change.

Checked up front (:func:`check_folder`, :func:`check_space`): the folder can be created, a file can
be created in it, and a chunked order file's scratch space is at least the file's size (the spill
measured 1.2x a generated order file at its peak, so less free space than the file is sure to fail).
Found while writing (:meth:`Place.writing`): a disk that fills up, a folder made read-only meanwhile.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from relmine.errors import RelmineError

#: errors of a full disk (or quota): the fix is space, not permissions
FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_REASONS = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
            errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on the device",
            errno.EDQUOT: "disk quota exceeded", errno.EFBIG: "file too large for the file system"}


class FolderError(RelmineError):
    """A folder or file relmine writes cannot be written: permissions, a read-only or full disk,
    or a file where a folder should be."""


@dataclass(frozen=True)
class Place:
    """Where something is written, what it is, and what to change when it cannot be written."""

    path: Path            # the folder or file named in the message
    what: str             # e.g. "rejected rows"
    fix_access: str       # what to do when it cannot be written at all
    fix_space: str        # what to do when its disk is full

    def error(self, exc: OSError) -> FolderError:
        fix = self.fix_space if exc.errno in FULL else self.fix_access
        return FolderError(f"cannot write {self.what} to {self.path}: {reason(exc)}; {fix}")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """An ``OSError`` inside becomes a :class:`FolderError` naming this place."""
        try:
            yield
        except OSError as exc:
            raise self.error(exc) from exc


def reason(exc: OSError) -> str:
    """Why a write failed, in words: the file in the way of a folder is named."""
    if exc.errno in (errno.ENOTDIR, errno.EEXIST) and exc.filename:
        blocker = _file_in_the_way(Path(os.fsdecode(exc.filename)))
        if blocker is not None:
            return f"{blocker} is a file, not a folder"
    return _REASONS.get(exc.errno, (exc.strerror or str(exc)).lower())


def _file_in_the_way(path: Path) -> Path | None:
    for p in (path, *path.parents):
        if p.exists() or p.is_symlink():
            return None if p.is_dir() else p
    return None


def rejects_place(path: Path, *, default: bool) -> Place:
    """The rejects file: ``--rejects FILE``, or by default under ``$RELMINE_HOME/rejects``."""
    if default:
        return Place(path, "rejected rows", "set RELMINE_HOME to a writable folder or pass --rejects FILE",
                     "free space there, set RELMINE_HOME to a folder on another disk or pass --rejects FILE")
    return Place(path, "rejected rows", "pass --rejects a file in a writable folder",
                 "free space there or pass --rejects a file on another disk")


def spill_place(folder: Path) -> Place:
    """Scratch files of an ingest, named by their root ``$RELMINE_HOME/spill`` (the private folder under it
    is removed at the end, so naming it would not help)."""
    root = next((p for p in (folder, *folder.parents) if p.name == "spill"), folder)
    return Place(root, "ingest scratch files", "set RELMINE_HOME to a writable folder",
                 "free space there or set RELMINE_HOME to a folder on another disk")


def check_folder(folder: Path, place: Place) -> None:
    """Create ``folder`` if needed and create (and remove) a file in it; a :class:`FolderError` naming
    ``place`` when either fails. Root passes permission bits, so this tries rather than asks."""
    with place.writing():
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".relmine-check-", dir=folder)
        os.close(fd)
        os.unlink(name)


def check_space(folder: Path, needed: int, place: Place, because: str) -> None:
    """A :class:`FolderError` when ``folder``'s disk has less than ``needed`` bytes free."""
    with place.writing():
        free = shutil.disk_usage(folder).free
    if free < needed:
        raise FolderError(f"cannot write {place.what} to {place.path}: {because} needs about {_mb(needed)} there "
                          f"and {_mb(free)} is free; {place.fix_space}")


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MB"
