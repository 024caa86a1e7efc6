#!/usr/bin/env bash
# The test command of the README: set up (idempotent), start Neo4j and RabbitMQ, run the whole suite,
# stop what this script started. Extra arguments go to pytest (e.g. scripts/test.sh tests/unit -x).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export PATH="$root/.venv/bin:$PATH"
started_neo4j=0; started_mq=0
if ! relmine neo4j status >/dev/null 2>&1 && [ -z "${NEO4J_URI:-}" ]; then relmine neo4j start; started_neo4j=1; fi
if [ -z "${RELMINE_BROKER_URL:-}" ] && ! bash scripts/rabbitmq.sh status >/dev/null 2>&1; then
  bash scripts/rabbitmq.sh start; started_mq=1
fi
cleanup() {
  [ "$started_neo4j" = 1 ] && relmine neo4j stop || true
  [ "$started_mq" = 1 ] && bash scripts/rabbitmq.sh stop || true
}
trap cleanup EXIT
relmine init >/dev/null
set +e
python -m pytest -p no:cacheprovider --timeout=1800 "$@"
rc=$?
set -e
[ $rc = 5 ] && { echo "pytest collected no tests" >&2; exit 1; }
exit $rc
