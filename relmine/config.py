"""One settings object, read from the environment (and an optional ``.env``).

Variables (all optional):

=====================  ===========================================================
``NEO4J_URI``          Bolt URI; default: the local server relmine starts
                       (``bolt://127.0.0.1:7687``)
``NEO4J_USER``         default ``neo4j``
``NEO4J_PASSWORD``     default: read from ``NEO4J_PASSWORD_FILE``
``NEO4J_PASSWORD_FILE`` a 0600 file holding the password; default
                       ``$RELMINE_HOME/neo4j/password`` (written by ``relmine neo4j start``)
``NEO4J_DATABASE``     default ``neo4j``
``RELMINE_NEO4J_CONNECT_TIMEOUT`` seconds to open one connection to Neo4j, default 3; a command
                       that finds Neo4j down says so in one line within about this long
``RELMINE_HOME``       state of the local services; default ``~/.local/share/relmine``
``RELMINE_CACHE``      downloaded jars; default ``~/.cache/relmine``
``RELMINE_BROKER_URL`` Celery broker, e.g. ``amqp://guest:guest@127.0.0.1:5672//``;
                       unset: kombu's filesystem transport under ``$RELMINE_HOME/broker``
``RELMINE_NEO4J_HEAP`` JVM heap of the local server, default ``4g``
``RELMINE_NEO4J_PAGECACHE`` page cache of the local server, default ``4g``
``RELMINE_BOLT_PORT``  / ``RELMINE_HTTP_PORT``  ports of the local server (7687 / 7474)
``RELMINE_ENV_FILE``   the dotenv file to read (see below)
=====================  ===========================================================

Which ``.env`` is read: ``RELMINE_ENV_FILE`` when set; otherwise ``$RELMINE_HOME/.env``
and then the relmine checkout's own ``.env`` (beside ``pyproject.toml``), never one in the
working directory. A ``.env`` in whatever folder a command happens to run in could otherwise
point ``NEO4J_URI`` at another host, and relmine would send the password there. Variables
already in the environment win over the file. When a file supplies ``NEO4J_URI``, a warning
saying so goes to stderr, once per process.

Credentials are never logged: :meth:`Settings.redacted` is what may be printed, and
:func:`redact_url` / :func:`redact_text` take the password out of any URI with userinfo.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from relmine.errors import ConfigError


# Every variable relmine reads (docker-compose.yml and the README must agree with this list).
ENV_VARS = (
    "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_PASSWORD_FILE", "NEO4J_DATABASE",
    "RELMINE_HOME", "RELMINE_CACHE", "RELMINE_BROKER_URL", "RELMINE_RESULT_BACKEND", "RELMINE_RESULTS_DIR",
    "RELMINE_NEO4J_HEAP", "RELMINE_NEO4J_PAGECACHE", "RELMINE_BOLT_PORT", "RELMINE_HTTP_PORT",
    "RELMINE_DEVICE", "RELMINE_JAVA_HOME", "RELMINE_ENV_FILE", "RELMINE_NEO4J_CONNECT_TIMEOUT",
)


PROJECT_ROOT = Path(__file__).resolve().parents[1]
_warned_env_uri = False


def dotenv_candidates(environ: dict[str, str] | None = None) -> list[Path]:
    """The ``.env`` files relmine may read, first found wins (never the working directory's)."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("RELMINE_ENV_FILE")
    if explicit:
        return [Path(explicit).expanduser()]
    home = Path(environ.get("RELMINE_HOME", str(Path.home() / ".local/share/relmine"))).expanduser()
    found = [home / ".env"]
    if (PROJECT_ROOT / "pyproject.toml").is_file():  # a checkout (editable install), not site-packages
        found.append(PROJECT_ROOT / ".env")
    return found


def _load_dotenv(environ: dict[str, str] | None = None) -> Path | None:
    """Fill missing variables of ``environ`` (default ``os.environ``) from the first ``.env`` found."""
    global _warned_env_uri
    environ = os.environ if environ is None else environ
    path = next((p for p in dotenv_candidates(environ) if p.is_file()), None)
    if path is None:
        return None
    from dotenv import dotenv_values

    for key, value in dotenv_values(path).items():
        if value is None or key in environ:
            continue
        environ[key] = value
        if key == "NEO4J_URI" and not _warned_env_uri:
            _warned_env_uri = True
            print(f"relmine: NEO4J_URI={redact_url(value)} comes from {path} (the password goes to that host)",
                  file=sys.stderr, flush=True)
    return path


def read_secret_file(path: Path) -> str:
    """Read a password file, refusing one that others can read."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} is readable by group or others (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 600 {path}"
        )
    return path.read_text(encoding="utf-8").strip()


# scheme://userinfo@ : the userinfo is everything up to the last "@" before the host part.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^\s/@:'\"]*)(?::[^\s/'\"]*)?@")


def redact_url(url: str) -> str:
    """``amqp://user:secret@host//`` -> ``amqp://user:***@host//`` (a URI without a password is kept)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not a URI urlsplit can read: redact it as text
        return redact_text(url)
    if password is None:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))


def redact_text(text: str) -> str:
    """Every ``scheme://user:password@`` in ``text`` (an error message, a traceback) with ``***``."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@" if m.group(0).count(":") > 1
                         else m.group(0), text)


@dataclass(frozen=True)
class Settings:
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password_env: str | None = field(default=None, repr=False)
    neo4j_password_file: Path | None = None
    neo4j_database: str = "neo4j"
    neo4j_connect_timeout: float = 3.0
    home: Path = Path.home() / ".local/share/relmine"
    cache: Path = Path.home() / ".cache/relmine"
    broker_url: str | None = None
    neo4j_heap: str = "4g"
    neo4j_pagecache: str = "4g"
    bolt_port: int = 7687
    http_port: int = 7474

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        if env is None:
            _load_dotenv()
            env = dict(os.environ)
        home = Path(env.get("RELMINE_HOME", str(Path.home() / ".local/share/relmine"))).expanduser()
        bolt_port = _int(env, "RELMINE_BOLT_PORT", 7687)
        pw_file = env.get("NEO4J_PASSWORD_FILE")
        return cls(
            neo4j_uri=env.get("NEO4J_URI", f"bolt://127.0.0.1:{bolt_port}"),
            neo4j_user=env.get("NEO4J_USER", "neo4j"),
            neo4j_password_env=env.get("NEO4J_PASSWORD") or None,
            neo4j_password_file=Path(pw_file).expanduser() if pw_file else home / "neo4j" / "password",
            neo4j_database=env.get("NEO4J_DATABASE", "neo4j"),
            neo4j_connect_timeout=_seconds(env, "RELMINE_NEO4J_CONNECT_TIMEOUT", 3.0),
            home=home,
            cache=Path(env.get("RELMINE_CACHE", str(Path.home() / ".cache/relmine"))).expanduser(),
            broker_url=env.get("RELMINE_BROKER_URL") or None,
            neo4j_heap=env.get("RELMINE_NEO4J_HEAP", "4g"),
            neo4j_pagecache=env.get("RELMINE_NEO4J_PAGECACHE", "4g"),
            bolt_port=bolt_port,
            http_port=_int(env, "RELMINE_HTTP_PORT", 7474),
        )

    @property
    def neo4j_password(self) -> str:
        if self.neo4j_password_env:
            return self.neo4j_password_env
        path = self.neo4j_password_file
        if path is None or not path.is_file():
            raise ConfigError(
                "no Neo4j password: set NEO4J_PASSWORD, or NEO4J_PASSWORD_FILE to a 0600 file, "
                "or start the local server with `relmine neo4j start` (it writes one)"
            )
        return read_secret_file(path)

    @property
    def broker_dir(self) -> Path:
        return self.home / "broker"

    @property
    def effective_broker_url(self) -> str:
        return self.broker_url or "filesystem://"

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def __repr__(self) -> str:
        return f"Settings({self.redacted()!r})"

    def redacted(self) -> dict[str, str]:
        """What may be shown to a person: no secrets."""
        return {
            "NEO4J_URI": redact_url(self.neo4j_uri),
            "NEO4J_USER": self.neo4j_user,
            "NEO4J_PASSWORD": "(set)" if self.neo4j_password_env else f"(file {self.neo4j_password_file})",
            "NEO4J_DATABASE": self.neo4j_database,
            "RELMINE_HOME": str(self.home),
            "RELMINE_CACHE": str(self.cache),
            "RELMINE_BROKER_URL": redact_url(self.broker_url) if self.broker_url else f"filesystem ({self.broker_dir})",
        }


def _seconds(env: dict[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{key}={raw!r} is not a number of seconds above 0")
    return value


def _int(env: dict[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{key}={raw!r} is not an integer") from exc
