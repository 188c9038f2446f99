#!/usr/bin/env bash
# Stops the broker started by kafka-start.sh: SIGTERM (a clean shutdown), then SIGKILL once
# KAFKA_STOP_GRACE seconds (20) have passed. Idempotent: no broker of ours -> exit 0.
# The data dir and its logs are kept for post-mortems; the next start wipes them.
set -euo pipefail
# shellcheck source=kafka/env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/kafka/env.sh"

grace_s="${KAFKA_STOP_GRACE:-20}"
if ! pid="$(our_broker_pid)"; then
  rm -f "$KAFKA_PID_FILE"
  echo "No Kafka broker of ours is running; nothing to stop."
  exit 0
fi

kill -TERM "$pid" 2>/dev/null || true
deadline=$((SECONDS + grace_s))
while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
if kill -0 "$pid" 2>/dev/null; then
  echo "kafka-stop: broker pid $pid still up after ${grace_s}s; sending SIGKILL." >&2
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
fi
rm -f "$KAFKA_PID_FILE"
echo "Kafka broker stopped (pid $pid)."
