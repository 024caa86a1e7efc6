"""Every Cypher statement of relmine, one per ``.cypher`` file, loaded by name.

``load("ingest/merge_products")`` returns the statement text of
``cypher/ingest/merge_products.cypher``. Files start with a ``//`` title
comment and a ``// :params {...}`` example so they paste into Neo4j Browser.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


class UnknownStatement(KeyError):
    pass


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of statement ``name`` (``"group/verb_subject"``), comments kept."""
    if ".." in name or name.startswith("/"):
        raise UnknownStatement(name)
    ref = resources.files(__name__).joinpath(*f"{name}.cypher".split("/"))
    if not ref.is_file():
        raise UnknownStatement(f"no Cypher statement named {name!r}")
    return ref.read_text(encoding="utf-8")


def names(group: str | None = None) -> list[str]:
    """All statement names, optionally those of one group (folder)."""
    root = resources.files(__name__)
    found: list[str] = []
    groups = [group] if group else sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    for g in groups:
        folder = root.joinpath(g)
        if not folder.is_dir():
            continue
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if item.name.endswith(".cypher"):
                found.append(f"{g}/{item.name[: -len('.cypher')]}")
    return found


def params_example(name: str) -> str | None:
    """The ``:params`` line of a statement's header, if any (for docs and tests)."""
    for line in load(name).splitlines():
        line = line.strip()
        if line.startswith("// :params"):
            return line[len("// :params") :].strip()
    return None
