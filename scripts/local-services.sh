# Sourced by the test, chaos and bench scripts (after node-env.sh): makes sure a Kafka broker and
# Postgres are there. Without KAFKA_BROKERS it starts the local broker from deploy/local and
# stops it when the calling script exits, with it checks that a broker answers; without
# DATABASE_URL it uses the local Postgres.
started_broker=""
stop_broker() { [ -n "$started_broker" ] && bash "$repo_root/deploy/local/kafka-stop.sh" || true; }
trap stop_broker EXIT

if [ -z "${KAFKA_BROKERS:-}" ]; then
  bash "$repo_root/deploy/local/kafka-start.sh"
  started_broker=1
  export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
else
  # A broker given must answer now: tests would otherwise each wait out their client's timeouts.
  bash "$repo_root/deploy/local/kafka-check.sh"
fi
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
bash "$repo_root/deploy/local/postgres-check.sh"
