"""The rooms of the house plan (README's layout; ../shared/DESIGN.md beside the repository) hold:
one namespace, every package listed, relmine/ imports neither cli nor workers."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAP = {"relmine.cli": "cli", "relmine.workers": "workers", "relmine.cypher": "cypher"}


def test_every_package_is_listed_in_pyproject():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(cfg["packages"])
    assert cfg["package-dir"] == {"relmine": "relmine", **MAP}
    found = set()
    for init in (ROOT / "relmine").rglob("__init__.py"):
        rel = init.parent.relative_to(ROOT)
        found.add(".".join(rel.parts))
    for pkg, folder in MAP.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join((pkg, *rel.parts)))
    for statement in (ROOT / "cypher").rglob("*.cypher"):  # statement folders: data-only packages
        rel = statement.parent.relative_to(ROOT / "cypher")
        found.add(".".join(("relmine.cypher", *rel.parts)))
    assert found - listed == set(), "packages missing from pyproject [tool.setuptools] packages"
    assert listed - found == set(), "pyproject lists packages that do not exist"


def test_domain_does_not_import_cli_or_workers():
    offenders = []
    for path in (ROOT / "relmine").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                if n.startswith(("relmine.cli", "relmine.workers", "cli", "workers")):
                    offenders.append(f"{path.relative_to(ROOT)}: {n}")
    assert offenders == []


# The Cypher guard (no statement built from parts, no Cypher outside cypher/) is tests/unit/test_cypher_guard.py.


def test_gnn_holds_tensors_only_and_never_imports_learn_or_the_gateway():
    """relmine.gnn is the pure PyTorch layer: reading Neo4j and writing back live in relmine.learn."""
    offenders = []
    for path in (ROOT / "relmine" / "gnn").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{a.name}" if node.module else a.name for a in node.names]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                          if n.startswith(("relmine.learn", "relmine.gateway", "relmine.cypher", "neo4j"))]
    assert offenders == []
