#!/usr/bin/env bash
# The README's demo: on a fresh machine, set up, start Neo4j, apply the schema, start a worker on the
# embedded filesystem broker (no RabbitMQ needed), and run the pipeline end to end on a synthetic
# catalogue; finish with `relmine doctor`. The worker is stopped at the end; Neo4j keeps running
# (stop it with `.venv/bin/relmine neo4j stop`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export PATH="$root/.venv/bin:$PATH"
step() { printf '\n== %s\n' "$*"; }

step "Neo4j 5.26 + GDS (local server)"
relmine neo4j start
relmine init >/dev/null

step "worker (Celery on the filesystem broker)"
unset RELMINE_BROKER_URL
out="${RELMINE_DEMO_DIR:-$root/out/demo}"
mkdir -p "$out"
relmine worker --pool solo -l WARNING >"$out/worker.log" 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null || true' EXIT
relmine ping --timeout 120

if [ -f "$root/scripts/demo_pipeline.sh" ]; then
  source "$root/scripts/demo_pipeline.sh"
fi

step "doctor"
relmine doctor --worker-timeout 60
