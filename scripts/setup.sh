#!/usr/bin/env bash
# Everything relmine needs on a fresh Debian/Ubuntu machine, idempotent and quick when done before:
# system packages (Java 17, Maven, RabbitMQ, Chromium for the report test), this checkout's own virtual
# environment `.venv` with relmine (editable) and its dependencies at the exact versions of
# constraints.txt, and the Neo4j + GDS jars from Maven Central (cached under ~/.cache/relmine).
# Each checkout has its own .venv, so setting up another (a CI clone, a worktree) never re-points this
# one. The wheels are kept in ~/.cache/relmine/wheels, so torch is downloaded once per machine: pip's
# own HTTP cache keeps nothing when the index's responses carry no cache headers, as here.
# Prints nothing but progress; afterwards use .venv/bin/relmine (or `source .venv/bin/activate`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '[setup] %s\n' "$*" >&2; }

need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
[ -x /usr/sbin/rabbitmq-server ] || need_apt+=(rabbitmq-server)
if [ "${RELMINE_SKIP_CHROMIUM:-0}" != 1 ] && ! command -v chromium >/dev/null; then need_apt+=(chromium); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing system packages: ${need_apt[*]}"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian starts the broker on install where it can; relmine runs its own (scripts/rabbitmq.sh).
  $sudo_ service rabbitmq-server stop >/dev/null 2>&1 || true
fi

venv="$root/.venv"
cache="${RELMINE_CACHE:-$HOME/.cache/relmine}"
wheels="$cache/wheels"
# an older set-up made .venv a link to one venv shared by every checkout: this one gets its own
if [ -L "$venv" ]; then
  say "replacing the .venv link ($(readlink "$venv")) with this checkout's own virtual environment"
  rm "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
# what was installed: the pins, the project's dependencies and the interpreter; unchanged -> no pip at all
stamp="$(cat "$root/constraints.txt" "$root/pyproject.toml" | sha256sum | cut -c1-16)-$("$venv/bin/python" -V 2>&1)"
if [ "$(cat "$venv/.relmine-installed" 2>/dev/null)" != "$stamp" ] || [ ! -x "$venv/bin/relmine" ]; then
  install() { "$venv/bin/pip" install -q --progress-bar off --no-index --find-links "$wheels" -c "$root/constraints.txt" "$@"; }
  say "installing relmine into $venv from $wheels"
  # pip first (the venv's own may be older), then relmine; a pin missing from the wheel folder fails
  # the resolution before anything is installed, and the missing wheels are fetched
  if ! install pip setuptools 2>/dev/null || ! install -e "$root[dev]" 2>/dev/null; then
    say "downloading the pinned wheels into $wheels (once per machine; torch is the large one)"
    mkdir -p "$wheels"
    # every line of constraints.txt is an exact pin: fetch just those (files already there are kept)
    "$venv/bin/pip" download -q --progress-bar off --no-deps -d "$wheels" -r "$root/constraints.txt"
    install pip setuptools
    install -e "$root[dev]"
  fi
  echo "$stamp" >"$venv/.relmine-installed"
fi
"$venv/bin/python" - <<'PY'
from relmine.server import LocalNeo4j
LocalNeo4j().assemble()
PY
say "ready: $root/.venv/bin/relmine"
