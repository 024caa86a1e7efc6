"""Reproducible installs: constraints.txt pins everything pyproject.toml asks for, and scripts/setup.sh
(so CI) and the Dockerfile install through it; each checkout has its own virtual environment."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+!-]*)", line.strip())
        assert m, f"constraints.txt: not an exact pin: {line!r}"
        name = canonicalize_name(m.group(1))
        assert name not in pins, f"constraints.txt pins {name} twice"
        pins[name] = m.group(2)
    return pins


def _requirements() -> list[Requirement]:
    project = PYPROJECT["project"]
    reqs = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]
    return [Requirement(r) for r in reqs + PYPROJECT["build-system"]["requires"]]


def test_every_requirement_is_pinned_within_its_bounds():
    pins = _pins()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} (pyproject.toml) has no pin in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {req}"


def test_dropped_dependencies_stay_dropped():
    assert "graphdatascience" not in _pins()  # nothing imports it (issue 28)
    assert not any(canonicalize_name(r.name) == "graphdatascience" for r in _requirements())


def test_setup_installs_through_the_constraints_into_its_own_venv():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert 'venv="$root/.venv"' in setup
    assert "ln -s" not in setup, "a .venv link shares one environment between checkouts"
    installs = [line for line in setup.splitlines() if re.search(r"pip\S*\s+install\b", line)]
    assert installs and all('-c "$root/constraints.txt"' in line for line in installs), installs
    test_sh = (ROOT / "scripts" / "test.sh").read_text()
    assert "bash scripts/setup.sh" in test_sh and "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_dockerfile_installs_dependencies_before_the_code_and_runs_unprivileged():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    copies = [(i, line.split()[1:-1]) for i, line in enumerate(lines) if line.startswith("COPY ")]
    deps = next(i for i, line in enumerate(lines) if "-c constraints.txt -r" in line)
    assert all(set(src) <= {"pyproject.toml", "constraints.txt"} for i, src in copies if i < deps), copies
    code = min(i for i, src in copies if "relmine" in src)
    assert code > deps, "the code is copied before the dependency layer"
    final = [line for line in lines[code:] if "pip install" in line]
    assert final and all("--no-deps" in line and "-c constraints.txt" in line for line in final), final
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), users
    assert lines.index(f"USER {users[-1]}") < next(i for i, line in enumerate(lines) if line.startswith("CMD "))
