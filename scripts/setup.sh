#!/usr/bin/env bash
# Everything relmine needs on a fresh Debian/Ubuntu machine, idempotent and quick when done before:
# system packages (Java 17, Maven, RabbitMQ, Chromium for the report test), a virtual environment with
# relmine and its dependencies (pip's cache keeps torch, so a second run downloads nothing), and the
# Neo4j + GDS jars from Maven Central (cached under ~/.cache/relmine).
# Prints nothing but progress; source scripts/env.sh afterwards, or use the venv's `relmine`.
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

venv="${RELMINE_VENV:-$HOME/.cache/relmine/venv-py$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')}"
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
fi
say "installing relmine into $venv (pip's cache keeps the large wheels)"
"$venv/bin/pip" install -q --progress-bar off -e "$root[dev]"
ln -sfn "$venv" "$root/.venv"
"$venv/bin/python" - <<'PY'
from relmine.server import LocalNeo4j
LocalNeo4j().assemble()
PY
say "ready: $root/.venv/bin/relmine"
