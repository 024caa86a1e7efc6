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


def _defs(path: Path) -> set[str]:
    return {n.name for n in ast.parse(path.read_text()).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def test_a_task_and_the_work_it_calls_never_share_a_name():
    """``workers.tasks.train_run`` calls ``learn.pipeline.pull_train_embed``: a reader never has to ask which one
    a traceback or an import means."""
    tasks = ROOT / "workers" / "tasks.py"
    names = {n.name for n in ast.parse(tasks.read_text()).body if isinstance(n, ast.FunctionDef)
             and any("task" in ast.unparse(d) for d in n.decorator_list)}
    assert {"train_run", "embed_partition"} <= names
    clashes = {f"{p.relative_to(ROOT)}: {name}" for p in (ROOT / "relmine" / "learn").rglob("*.py")
               for name in names & _defs(p)}
    assert clashes == set()


def test_no_two_modules_of_gnn_and_learn_define_one_name():
    """One ``train_config`` (the recipe's), one ``train_model`` (typed), one loader of saved tensors."""
    seen: dict[str, list[str]] = {}
    for folder in ("gnn", "learn"):
        for path in sorted((ROOT / "relmine" / folder).rglob("*.py")):
            for name in _defs(path):
                if not name.startswith("_"):
                    seen.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert {n: p for n, p in seen.items() if len(p) > 1} == {}


def test_one_loader_of_saved_tensors():
    """``torch.load`` is called in one place (``relmine.gnn.train.load_tensors``, ``weights_only=True``)."""
    calls = []
    for folder in ("relmine", "cli", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and ast.unparse(node.func) == "torch.load":
                    calls.append(str(path.relative_to(ROOT)))
    assert calls == ["relmine/gnn/train.py"]
