# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Settings and helpers shared by kafka-start.sh and kafka-stop.sh (sourced, not run).
# Every path and port can be overridden from the environment.

KAFKA_CONF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KAFKA_CONF_DIR/../../.." && pwd)"
# Everything the broker writes lives under .cache/ at the repo root (git-ignored).
KAFKA_CACHE_DIR="${KAFKA_CACHE_DIR:-$REPO_ROOT/.cache/kafka}"
KAFKA_LIBS_DIR="$KAFKA_CACHE_DIR/libs"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$KAFKA_CACHE_DIR/data}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
# The pid file sits beside the data dir, not in it, so wiping the data never loses it.
KAFKA_PID_FILE="${KAFKA_PID_FILE:-$KAFKA_DATA_DIR.pid}"
KAFKA_JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, 2s cap).
port_open() {
  # shellcheck disable=SC2016  # $1 expands in the inner bash, on purpose
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Prints the pid from the pid file when that process is alive and is our broker (its command
# line names our data dir's server.properties, so a recycled pid is not mistaken for it).
our_broker_pid() {
  local pid
  [[ -f "$KAFKA_PID_FILE" ]] || return 1
  pid="$(<"$KAFKA_PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $KAFKA_DATA_DIR/server.properties" \
    || return 1
  echo "$pid"
}
