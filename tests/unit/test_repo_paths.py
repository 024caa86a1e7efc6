"""Every repository path that the README, docs/ and the code's comments and docstrings name exists.

A path here is a word that starts at one of the repository's top folders and goes on with ``/``
(``scripts/setup.sh``, ``cypher/bi/``, ``relmine/gnn/model.py``, ``tests/unit``), an upper-case
Markdown name at the root (``README.md``), or a relative Markdown link target. Not paths of this
repository, and skipped: URLs, words inside another path (``../shared/docs/...``, ``$RELMINE_HOME/...``,
``~/...``), globs and placeholders (``*``, ``<name>``, ``{run}``, ``...``).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOP = ("relmine", "cli", "workers", "cypher", "scripts", "docs", "bench", "tests", ".ci")
# a top folder, then "/" and path characters; not preceded by a path, URL or variable character
PATH = re.compile(r"(?<![\w./$~@:-])(?:%s)/[\w./<>{}*\[\]-]*" % "|".join(re.escape(t) for t in TOP))
ROOT_DOC = re.compile(r"(?<![\w./$~@:-])[A-Z][A-Z_]+\.md\b")
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")
PLACEHOLDER = re.compile(r"[<>{}*\[\]]|\.\.\.|/\.\./|/\./")

# Deliberate exceptions: (file, path) -> why it is not a path of this repository.
ALLOWED: dict[tuple[str, str], str] = {
}


def _sources() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for top in ("relmine", "cli", "workers", "cypher", "scripts", "bench", "tests", ".ci"):
        files += sorted(p for p in (ROOT / top).rglob("*") if p.is_file() and "__pycache__" not in p.parts
                        and p.suffix in (".py", ".sh", ".cypher", ".conf", "") and p.name != "__init__.pyc")
    files += [ROOT / n for n in ("pyproject.toml", "Dockerfile", "docker-compose.yml", "constraints.txt",
                                 ".dockerignore")]
    return [p for p in files if p.is_file()]


def _python_prose(text: str) -> list[str]:
    """Comments and docstrings of a Python file."""
    out = [tok.string for tok in tokenize.generate_tokens(io.StringIO(text).readline) if tok.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                out.append(doc)
    return out


def _prose(path: Path) -> list[str]:
    """The parts of ``path`` written for people: all of a Markdown file, else its comments."""
    text = path.read_text()
    if path.suffix == ".md":
        return [text]
    if path.suffix == ".py":
        return _python_prose(text)
    marker = "//" if path.suffix == ".cypher" else "#"
    return [line.split(marker, 1)[1] for line in text.splitlines() if marker in line
            and (line.lstrip().startswith(marker) or f" {marker} " in line)]


def _named(path: Path) -> set[str]:
    """Repository paths named in ``path``'s prose (relative to the root)."""
    names: set[str] = set()
    for text in _prose(path):
        for m in PATH.finditer(text):
            word = m.group(0)
            if PLACEHOLDER.search(word):
                continue
            names.add(word.rstrip(".,:;'-"))
        names.update(m.group(0) for m in ROOT_DOC.finditer(text))
        if path.suffix == ".md":
            for m in MD_LINK.finditer(text):
                target = m.group(1).split("#", 1)[0]
                if target and "://" not in target and not target.startswith(("mailto:", "/")):
                    names.add(str((path.parent / target).resolve().relative_to(ROOT)))
    return names


def test_the_scan_finds_paths():
    """The scan itself works: it reads names this repository certainly holds."""
    named = {n for p in _sources() for n in _named(p)}
    assert {"scripts/setup.sh", "scripts/test.sh"} <= named, sorted(named)[:20]
    assert len(named) > 50


def test_the_pattern_skips_what_is_not_a_repo_path():
    text = ("see https://x.org/docs/a.md, ../shared/docs/b.md, $RELMINE_HOME/scripts/c.sh, ~/tests/d, "
            "cypher/<group>/<name>.cypher, bench/*.py, relmine/{kind}.py and scripts/real.sh.")
    found = [m.group(0) for m in PATH.finditer(text) if not PLACEHOLDER.search(m.group(0))]
    assert [w.rstrip(".,") for w in found] == ["scripts/real.sh"]


def test_every_named_path_exists():
    missing = []
    for source in _sources():
        rel = str(source.relative_to(ROOT))
        for name in sorted(_named(source)):
            if (rel, name) in ALLOWED or (ROOT / name.rstrip("/")).exists():
                continue
            missing.append(f"{rel}: {name}")
    assert missing == [], "named but absent (fix the reference, or add it to ALLOWED with a reason):\n" + "\n".join(missing)


def test_allowed_entries_are_still_needed():
    for (source, name), why in ALLOWED.items():
        assert why, (source, name)
        assert name in _named(ROOT / source), f"{source} no longer names {name}: drop it from ALLOWED"
        assert not (ROOT / name).exists(), f"{name} exists now: drop it from ALLOWED"
