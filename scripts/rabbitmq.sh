#!/usr/bin/env bash
# Start / stop a local RabbitMQ (Debian's rabbitmq-server) for relmine, bound to
# 127.0.0.1, with its state under $RELMINE_HOME/rabbitmq and relmine's config
# (consumer_timeout raised for long training tasks: see docs/operations.md).
#   scripts/rabbitmq.sh start|stop|status
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Debian's wrapper runs the server as the rabbitmq user when started by root, and
# that user cannot enter /root: then the state lives under /var/lib.
if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then
  base="${RELMINE_RABBITMQ_DIR:-/var/lib/relmine-rabbitmq}"
else
  base="${RELMINE_RABBITMQ_DIR:-${RELMINE_HOME:-$HOME/.local/share/relmine}/rabbitmq}"
fi
mkdir -p "$base/mnesia" "$base/log"
cp "$here/rabbitmq.conf" "$base/rabbitmq.conf"
export RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf"
export RABBITMQ_MNESIA_BASE="$base/mnesia"
export RABBITMQ_LOG_BASE="$base/log"
export RABBITMQ_PID_FILE="$base/rabbit.pid"
export RABBITMQ_NODENAME="${RABBITMQ_NODENAME:-relmine@localhost}"
export RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins"
[ -f "$RABBITMQ_ENABLED_PLUGINS_FILE" ] || echo '[].' > "$RABBITMQ_ENABLED_PLUGINS_FILE"
if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq: "$base"; fi
export PATH="$PATH:/usr/sbin:/usr/lib/rabbitmq/bin"
port_open() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
case "${1:-status}" in
  start)
    if port_open; then echo "RabbitMQ already answers on 127.0.0.1:5672"; exit 0; fi
    command -v rabbitmq-server >/dev/null || { echo "rabbitmq-server missing: apt-get install rabbitmq-server" >&2; exit 1; }
    rabbitmq-server -detached
    for _ in $(seq 1 90); do port_open && break; sleep 1; done
    port_open || { echo "RabbitMQ did not open 5672; logs in $base/log" >&2; exit 1; }
    rabbitmqctl -q await_startup >/dev/null 2>&1 || true
    echo "RabbitMQ up: amqp://guest:guest@127.0.0.1:5672//" ;;
  stop)
    rabbitmqctl -q stop "$RABBITMQ_PID_FILE" 2>/dev/null || rabbitmqctl -q shutdown 2>/dev/null || true
    echo "RabbitMQ stopped" ;;
  status)
    if port_open; then echo "RabbitMQ answers on 127.0.0.1:5672"; else echo "RabbitMQ is not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
